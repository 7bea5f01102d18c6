namespace Flip.Benchmarks.Federated;

/// <summary>The figures of <see cref="SecureAggregationBenchmark"/>.</summary>
public sealed record SecureAggregationBenchmarkResult
{
    /// <summary>Sites taking part.</summary>
    public int Sites { get; init; }

    /// <summary>Floating-point values per update.</summary>
    public long Parameters { get; init; }

    /// <summary>Median time of one FedAvg aggregation, ms.</summary>
    public double PlainMilliseconds { get; init; }

    /// <summary>Median time of one SecAgg+ FedAvg round (every site's and the server's work, one process), ms.</summary>
    public double SecureMilliseconds { get; init; }

    /// <summary>Time of one SecAgg+ round with <see cref="Dropped"/> sites dropped, ms.</summary>
    public double SecureWithDropoutsMilliseconds { get; init; }

    /// <summary>Sites dropped in the dropout measurement.</summary>
    public int Dropped { get; init; }

    /// <summary>Bytes one site sends in plain FedAvg (float32 values).</summary>
    public long PlainBytesPerSite { get; init; }

    /// <summary>Bytes one site sends with SecAgg+ (keys, shares, masked values, unmask shares), mean over sites.</summary>
    public double SecureBytesPerSite { get; init; }

    /// <summary>Largest |secure − FedAvg| over the new global model's values.</summary>
    public double MaxErrorVsFedAvg { get; init; }

    /// <summary>Largest |secure − FedAvg over the survivors| with sites dropped.</summary>
    public double MaxErrorVsFedAvgWithDropouts { get; init; }

    /// <summary>The quantisation bound n·c/q on one summed value.</summary>
    public double SumErrorBound { get; init; }

    /// <summary>Chi-square of one masked update's top byte against uniform (255 degrees of freedom).</summary>
    public double ChiSquare { get; init; }

    /// <summary>Its p-value.</summary>
    public double ChiSquarePValue { get; init; }

    /// <summary>Pearson correlation of the masked integers with the update.</summary>
    public double CorrelationWithUpdate { get; init; }
}
