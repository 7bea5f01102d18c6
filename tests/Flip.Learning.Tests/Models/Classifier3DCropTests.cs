using Flip.Datasets;
using Flip.Datasets.Preprocessing;
using Flip.Datasets.Samples;
using Flip.Datasets.Synthetic;
using Flip.Learning.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Flip.Learning.Tests.Models;

/// <summary>The 3D crops of the preprocessing pipeline feed <see cref="Classifier3D"/> as they are.</summary>
[Collection("Torch")]
public sealed class Classifier3DCropTests
{
    [Fact]
    public void Classifier3D_scores_a_batch_of_pipeline_crops_against_their_patient_labels()
    {
        IReadOnlyList<Patient> patients = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 3 }).Site("site-4").Patients;
        CropSet crops = new SamplePipeline(new PreprocessingSettings { Output = SampleOutput.Crops3D, Crop3D = (32, 32, 8) }).Build(patients).Crops!;
        using var model = new Classifier3D();
        model.eval();
        using var _ = torch.no_grad();

        using Tensor batch = torch.tensor(crops.Images, [crops.Count, crops.Channels, crops.Depth, crops.Height, crops.Width]);
        using Tensor labels = torch.tensor(crops.Labels());
        using Tensor logits = model.forward(batch);
        using Tensor loss = nn.functional.cross_entropy(logits, labels);

        Assert.Equal([(long)patients.Count, 3, 8, 32, 32], batch.shape);
        Assert.Equal([(long)patients.Count, 2], logits.shape);
        Assert.True(double.IsFinite(loss.item<float>()));
    }
}
