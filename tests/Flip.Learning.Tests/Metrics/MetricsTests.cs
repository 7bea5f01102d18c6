using Flip.Learning.Metrics;

namespace Flip.Learning.Tests.Metrics;

public sealed class ClassificationMetricsTests
{
    // scikit-learn's documentation example: y_true = [0, 0, 1, 1], y_score = [0.1, 0.4, 0.35, 0.8]
    // gives roc_auc_score = 0.75 and average_precision_score = 0.8333….
    private static readonly bool[] Labels = [false, false, true, true];
    private static readonly double[] Scores = [0.1, 0.4, 0.35, 0.8];

    [Fact]
    public void Auroc_matches_scikit_learns_documented_example()
        => Assert.Equal(0.75, ClassificationMetrics.Auroc(Labels, Scores), 12);

    [Fact]
    public void AveragePrecision_matches_scikit_learns_documented_example()
        // Thresholds 0.8, 0.4, 0.35, 0.1: (R, P) = (0.5, 1), (0.5, 0.5), (1, 2/3), (1, 0.5)
        // AP = 0.5·1 + 0·0.5 + 0.5·2/3 + 0 = 0.8333…
        => Assert.Equal(5.0 / 6.0, ClassificationMetrics.AveragePrecision(Labels, Scores), 12);

    [Fact]
    public void PicaiScore_is_the_mean_of_AUROC_and_AP()
        => Assert.Equal((0.75 + (5.0 / 6.0)) / 2, ClassificationMetrics.PicaiScore(Labels, Scores), 12);

    [Fact]
    public void Auroc_counts_pairs_by_hand_and_ties_as_half()
    {
        // positives 0.9, 0.7, 0.2; negatives 0.8, 0.3: wins (0.9>0.8, 0.9>0.3, 0.7>0.3) = 3 of 6 pairs
        Assert.Equal(0.5, ClassificationMetrics.Auroc([true, false, true, false, true], [0.9, 0.8, 0.7, 0.3, 0.2]), 12);
        Assert.Equal(0.5, ClassificationMetrics.Auroc([true, false], [0.5, 0.5]), 12);
        Assert.True(double.IsNaN(ClassificationMetrics.Auroc([true, true], [0.1, 0.2])));
    }

    [Fact]
    public void Confusion_and_rates_at_a_threshold()
    {
        ConfusionMatrix m = ClassificationMetrics.Confusion(Labels, Scores, 0.5);

        Assert.Equal(new ConfusionMatrix(1, 0, 2, 1), m); // only 0.8 is called positive
        Assert.Equal(0.5, m.Sensitivity);
        Assert.Equal(1.0, m.Specificity);
        Assert.Equal(0.75, m.BalancedAccuracy);
        Assert.Equal(0.75, m.Accuracy);
    }

    [Fact]
    public void Expected_calibration_error_by_hand()
    {
        // bins: [0.0,0.1): {0.05 → 0} |0 − 0.05| · 1/4; [0.6,0.7): {0.6, 0.65 → 1, 1} |1 − 0.625| · 2/4;
        // [0.9,1.0]: {0.95 → 1} |1 − 0.95| · 1/4  ⇒  0.0125 + 0.1875 + 0.0125 = 0.2125
        double ece = ClassificationMetrics.ExpectedCalibrationError([true, false, true, true], [0.95, 0.05, 0.6, 0.65]);

        Assert.Equal(0.2125, ece, 12);
    }

    [Fact]
    public void Mismatched_lengths_are_refused()
        => Assert.Throws<ArgumentException>(() => ClassificationMetrics.Auroc([true], [0.1, 0.2]));
}

public sealed class SegmentationMetricsTests
{
    [Fact]
    public void Dice_and_IoU_by_hand()
    {
        byte[] predicted = [1, 1, 0, 0];
        byte[] reference = [1, 0, 1, 0];

        Assert.Equal(0.5, SegmentationMetrics.Dice(predicted, reference));        // 2·1 / (2 + 2)
        Assert.Equal(1.0 / 3.0, SegmentationMetrics.Iou(predicted, reference), 12); // 1 / 3
        Assert.Equal(1.0, SegmentationMetrics.Dice([0, 0], [0, 0]));
    }

    [Fact]
    public void Hausdorff95_of_two_single_voxels_is_their_distance_in_millimetres()
    {
        var predicted = new byte[10];
        var reference = new byte[10];
        predicted[2] = 1;
        reference[5] = 1;

        double hd = SegmentationMetrics.Hausdorff95(predicted, reference, 10, 1, 1, (2.0, 1.0, 1.0));

        Assert.Equal(6.0, hd, 12); // 3 voxels × 2 mm
    }

    [Fact]
    public void Hausdorff95_of_identical_masks_is_zero_and_of_an_empty_mask_is_undefined()
    {
        var square = new byte[5 * 5];
        for (int y = 1; y < 4; y++)
        {
            for (int x = 1; x < 4; x++)
            {
                square[(y * 5) + x] = 1;
            }
        }

        Assert.Equal(0.0, SegmentationMetrics.Hausdorff95(square, square, 5, 5, 1, (1, 1, 1)));
        Assert.True(double.IsNaN(SegmentationMetrics.Hausdorff95(new byte[25], square, 5, 5, 1, (1, 1, 1))));
    }
}
