namespace Flip.Flower.Records;

/// <summary>Named configuration values in order (Flower's <c>ConfigRecord</c>): numbers, bools, strings, bytes and their lists.</summary>
public sealed class ConfigRecord : KeyedRecord<RecordValue>
{
    /// <summary>Creates an empty record.</summary>
    public ConfigRecord()
    {
    }
}
