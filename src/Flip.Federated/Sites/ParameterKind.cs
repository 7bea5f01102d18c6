namespace Flip.Federated;

/// <summary>What a <see cref="SiteUpdate"/>'s parameters are.</summary>
public enum ParameterKind
{
    /// <summary>The site's full trained parameters <c>y_i</c>.</summary>
    Full,

    /// <summary>The difference from the global model, <c>y_i − x</c>.</summary>
    Difference,
}
