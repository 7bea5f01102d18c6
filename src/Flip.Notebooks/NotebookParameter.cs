namespace Flip.Notebooks;

/// <summary>One plain <c>var</c> of a notebook's <c>parameters</c> cell.</summary>
/// <param name="Name">The variable's name, e.g. <c>rounds</c>.</param>
/// <param name="Type">The C# type its literal declares: <c>int</c>, <c>long</c>, <c>double</c>, <c>bool</c> or <c>string</c>.</param>
/// <param name="Literal">The literal as written in the cell, e.g. <c>3</c> or <c>"fedavg"</c>.</param>
/// <param name="Line">The 1-based line in the cell.</param>
public sealed record NotebookParameter(string Name, string Type, string Literal, int Line);
