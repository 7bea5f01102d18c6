namespace Flip.Learning.Devices;

/// <summary>What <see cref="TorchEnvironment.Probe"/> found.</summary>
/// <param name="TorchSharpVersion">The TorchSharp assembly's version, e.g. <c>0.107.0</c>.</param>
/// <param name="LibTorchPackage">The libtorch package and version from the app's deps.json, e.g. <c>libtorch-cpu-linux-x64/2.10.0</c>.</param>
/// <param name="NativeLibraryPath">The <c>libLibTorchSharp</c> file next to <c>TorchSharp.dll</c> (the one loaded), if found.</param>
/// <param name="NativeLoaded">Whether the native backend loaded.</param>
/// <param name="LoadError">Why it did not load, or <see langword="null"/>.</param>
/// <param name="CompatibilityCopyUsed">On Linux: whether the copy carries the weak <c>GLIBCXX_3.4.32</c> requirement; <see langword="null"/> elsewhere or when unknown.</param>
/// <param name="CudaAvailable">Whether CUDA is usable.</param>
/// <param name="CudaDeviceCount">How many CUDA devices there are.</param>
/// <param name="Threads">libtorch's intra-op thread count.</param>
public sealed record TorchEnvironmentReport(
    string TorchSharpVersion,
    string? LibTorchPackage,
    string? NativeLibraryPath,
    bool NativeLoaded,
    string? LoadError,
    bool? CompatibilityCopyUsed,
    bool CudaAvailable,
    int CudaDeviceCount,
    int Threads);
