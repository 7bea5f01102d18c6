namespace Flip.Datasets.Synthetic;

/// <summary>How one hospital's scanner and protocol change the images: the domain shift between sites.</summary>
/// <param name="IntensityScale">Multiplies each channel (T2W, ADC, DWI): vendor calibration.</param>
/// <param name="IntensityOffset">Added to each channel.</param>
/// <param name="Gamma">Contrast curve exponent applied to the tissue signal (1 = linear).</param>
/// <param name="NoiseSigma">Gaussian noise standard deviation relative to tissue signal (1.5 T is noisier).</param>
/// <param name="BiasField">Strength of a smooth multiplicative coil-sensitivity gradient (0 = none).</param>
/// <param name="BlurPasses">In-plane 3×3 smoothing passes: coarser acquired resolution.</param>
/// <param name="LesionConspicuity">Multiplies lesion contrast: protocol quality.</param>
public sealed record ScannerAppearance(
    IReadOnlyList<double> IntensityScale,
    IReadOnlyList<double> IntensityOffset,
    double Gamma,
    double NoiseSigma,
    double BiasField,
    int BlurPasses,
    double LesionConspicuity);
