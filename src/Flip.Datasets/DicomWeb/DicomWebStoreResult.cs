namespace Flip.Datasets.DicomWeb;

/// <summary>What a STOW-RS upload did.</summary>
/// <param name="Stored">Instances the server confirmed (ReferencedSOPSequence).</param>
/// <param name="Requests">STOW-RS requests sent.</param>
/// <param name="Bytes">Bytes of the files sent.</param>
public sealed record DicomWebStoreResult(int Stored, int Requests, long Bytes);
