namespace Flip.Federated;

/// <summary>Reduces the values that the sites sent for one coordinate to one value (median, trimmed mean).</summary>
/// <param name="values">One value per site, in site order; the reducer may reorder them.</param>
/// <returns>The reduced value.</returns>
public delegate double CoordinateReducer(Span<double> values);
