using Flip.Datasets;
using Flip.Datasets.Samples;

namespace Flip.Experiments;

/// <summary>One hospital ready to train: its training and held-out test slices.</summary>
/// <param name="Id">Site id.</param>
/// <param name="Site">The hospital's data description (null for the pooled site of centralised training).</param>
/// <param name="Train">Training slices.</param>
/// <param name="Test">Held-out test slices.</param>
public sealed record PreparedSite(string Id, CohortSite? Site, SliceSet Train, SliceSet Test);
