namespace Flip.Flower.Records;

/// <summary>One record of a <see cref="RecordDict"/>: an <see cref="ArrayRecord"/>, a <see cref="ConfigRecord"/> or a <see cref="MetricRecord"/>.</summary>
public abstract class FlowerRecord
{
    private protected FlowerRecord()
    {
    }

    /// <summary>Number of items.</summary>
    public abstract int Count { get; }
}
