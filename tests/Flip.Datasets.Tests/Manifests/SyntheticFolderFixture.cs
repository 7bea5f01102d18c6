using Flip.Datasets.Synthetic;

namespace Flip.Datasets.Tests.Manifests;

/// <summary>A tiny FLIP-6 cohort written once as DICOM with its manifest, shared by the tests of a class.</summary>
public sealed class SyntheticFolderFixture : IDisposable
{
    public SyntheticFolderFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "flip-manifest-" + Guid.NewGuid().ToString("N")[..8]);
        Cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.001, MatrixSize = 32, Slices = 6, Seed = 3 });
        SyntheticCohortWriter.Write(Cohort, Folder, 3);
        ManifestPath = SyntheticManifest.Write(Cohort, Folder, 3);
    }

    public string Folder { get; }

    public Cohort Cohort { get; }

    public string ManifestPath { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
