namespace Flip.Datasets.DicomWeb;

/// <summary>What a QIDO-RS search returns (PS3.18 §10.6).</summary>
public enum QidoLevel
{
    /// <summary><c>/studies</c>.</summary>
    Studies,

    /// <summary><c>/series</c> or <c>/studies/{study}/series</c>.</summary>
    Series,

    /// <summary><c>/instances</c>, <c>/studies/{study}/instances</c> or <c>/studies/{study}/series/{series}/instances</c>.</summary>
    Instances,
}
