namespace Flip.Flower.Records;

/// <summary>Named metrics in order (Flower's <c>MetricRecord</c>): only numbers and number lists.</summary>
/// <remarks>Flower's FedAvg needs <c>num-examples</c> (<see cref="RecordKeys.NumExamples"/>) in every train and evaluate reply.</remarks>
public sealed class MetricRecord : KeyedRecord<RecordValue>
{
    /// <summary>Creates an empty record.</summary>
    public MetricRecord()
    {
    }

    /// <inheritdoc/>
    /// <exception cref="FlowerProtocolException">The value is not a number or number list.</exception>
    private protected override void Check(string key, RecordValue value)
    {
        if (!value.IsMetric)
        {
            throw FlowerProtocolException.WrongValueType("MetricRecord", key, value.Kind.ToString(), "double, sint64, uint64 or a list of those");
        }
    }
}
