using System.Text.Json.Nodes;
using Flip.Datasets;
using Flip.Datasets.Manifests;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Synthetic;

namespace Flip.Experiments.Tests;

/// <summary>A manifest's own <c>splits</c> decide who trains and who is tested, and a cached preparation of its cohort is served from disk the second time.</summary>
public sealed class ManifestSplitPreparationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-manifest-splits-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (Cohort Written, string ManifestPath) Write()
    {
        Cohort written = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.001, MatrixSize = 32, Slices = 6, Seed = 3 });
        SyntheticCohortWriter.Write(written, _folder, 3);
        return (written, SyntheticManifest.Write(written, _folder, 3));
    }

    [Fact]
    public void Explicit_lists_put_exactly_the_listed_patients_in_train_and_test_and_a_second_cached_preparation_hits_the_cache_with_the_same_slices()
    {
        var (written, manifestPath) = Write();
        // Per site, the last patient (by hospital id) is tested, the others train: not what the default 70/30 split draws.
        var all = written.Sites.SelectMany(s => s.Patients.Select(p => (Site: s.Id, Id: p.Identity.PatientId))).ToList();
        string[] test = [.. all.GroupBy(x => x.Site).Select(g => g.Select(x => x.Id).Max(StringComparer.Ordinal)!)];
        string[] train = [.. all.Select(x => x.Id).Except(test)];
        JsonNode json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        json["splits"] = new JsonObject { ["lists"] = new JsonObject { ["train"] = new JsonArray([.. train.Select(id => JsonValue.Create(id))]), ["test"] = new JsonArray([.. test.Select(id => JsonValue.Create(id))]) } };
        File.WriteAllText(manifestPath, json.ToJsonString());

        Manifest manifest = Manifest.Load(manifestPath);
        Cohort cohort = ManifestCohort.Load(manifest);
        PreparedCohort prepared = PreparedCohort.Prepare(cohort, manifest.Splits, seed: 3);

        var keyToId = cohort.Sites.SelectMany(s => s.Patients).ToDictionary(p => p.Key, p => p.Identity.PatientId);
        Assert.Equal(train.Order(), prepared.Sites.SelectMany(s => s.Train.Patients).Select(p => keyToId[p.Key]).Order());
        Assert.Equal(test.Order(), prepared.Sites.SelectMany(s => s.Test.Patients).Select(p => keyToId[p.Key]).Order());
        Assert.NotEqual(
            PreparedCohort.Prepare(cohort, seed: 3).Sites.SelectMany(s => s.Test.Patients).Select(p => p.Key).Order(),
            prepared.Sites.SelectMany(s => s.Test.Patients).Select(p => p.Key).Order());
        Assert.Equal(0, prepared.CacheHits);

        // The same split through the preprocessing cache: the first run builds every patient, the second reads every one back.
        var pipeline = new SamplePipeline(cache: new SampleCache(Path.Combine(_folder, "cache")), sourceIdentity: ManifestCohort.SourceIdentity);
        PreparedCohort cold = PreparedCohort.Prepare(cohort, manifest.Splits, pipeline: pipeline);
        PreparedCohort warm = PreparedCohort.Prepare(ManifestCohort.Load(Manifest.Load(manifestPath)), manifest.Splits, pipeline: pipeline);
        Assert.Equal((0, cohort.PatientCount), (cold.CacheHits, cold.Built));
        Assert.Equal((cohort.PatientCount, 0), (warm.CacheHits, warm.Built));
        Assert.All(prepared.Sites.Zip(warm.Sites), x =>
        {
            Assert.Equal(x.First.Train.Images, x.Second.Train.Images);
            Assert.Equal(x.First.Train.Masks, x.Second.Train.Masks);
            Assert.Equal(x.First.Test.Images, x.Second.Test.Images);
            Assert.Equal(x.First.Test.Patients, x.Second.Test.Patients);
        });
    }
}
