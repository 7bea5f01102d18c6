using Flip.Datasets;
using Flip.Datasets.Partitions;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Synthetic;

namespace Flip.Experiments.Tests;

public sealed class PreparedCohortPipelineTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("flip-prepared-cache-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public void A_cached_pipeline_prepares_the_same_slices_as_the_default_and_a_partition_prepares_its_virtual_sites()
    {
        Cohort cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.005, Seed = 4 });
        PreparedCohort plain = PreparedCohort.Prepare(cohort, seed: 4);
        var pipeline = new SamplePipeline(cache: new SampleCache(_cache), sourceIdentity: _ => "synthetic:flip6:seed=4:scale=0.005");
        PreparedCohort cold = PreparedCohort.Prepare(cohort, seed: 4, pipeline: pipeline);
        PreparedCohort warm = PreparedCohort.Prepare(cohort, seed: 4, pipeline: pipeline);

        foreach (PreparedCohort other in new[] { cold, warm })
        {
            Assert.Equal(plain.Sites.Select(s => s.Id), other.Sites.Select(s => s.Id));
            Assert.All(plain.Sites.Zip(other.Sites), x =>
            {
                Assert.Equal(x.First.Train.Images, x.Second.Train.Images);
                Assert.Equal(x.First.Test.Masks, x.Second.Test.Masks);
                Assert.Equal(x.First.Train.Patients, x.Second.Train.Patients);
            });
        }

        Assert.Equal(cohort.PatientCount, Directory.GetFiles(_cache, "*.samples", SearchOption.AllDirectories).Length);

        Partition iid = Partitioner.Parse("iid").Apply(cohort, 4);
        PreparedCohort partitioned = PreparedCohort.Prepare(iid.Cohort, seed: 4);
        Assert.Equal(["part-1", "part-2", "part-3", "part-4", "part-5", "part-6"], partitioned.Sites.Select(s => s.Id));
        Assert.Equal(cohort.PatientCount, partitioned.Sites.Sum(s => s.Train.Patients.Count + s.Test.Patients.Count));
    }
}
