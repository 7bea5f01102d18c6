using Flip.Federated;

namespace Flip.Flower.Fleet;

/// <summary>What a round's train step ended with.</summary>
/// <param name="Global">The new global model, or the round's starting model when the round was skipped.</param>
/// <param name="Aggregated">How many updates went into it.</param>
/// <param name="Skipped">Whether too few updates arrived (or aggregation failed), so the model did not change.</param>
internal readonly record struct TrainOutcome(ParameterSet Global, int Aggregated, bool Skipped);
