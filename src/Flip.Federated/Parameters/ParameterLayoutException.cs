namespace Flip.Federated;

/// <summary>Two parameter sets that should share a layout do not: a site sent a model of another shape.</summary>
public sealed class ParameterLayoutException : FlipException
{
    private ParameterLayoutException(string message, string? fix)
        : base(message, ExitCodes.RunFailed, fix)
    {
    }

    /// <summary>The layouts differ; the message names the first differing key and who sent it.</summary>
    /// <param name="difference">The sentence from <see cref="ParameterLayout.DescribeDifference"/>.</param>
    /// <returns>The exception.</returns>
    public static ParameterLayoutException Mismatch(string difference)
        => new(difference, "make every site build the same model architecture as the server's initial parameters.");
}
