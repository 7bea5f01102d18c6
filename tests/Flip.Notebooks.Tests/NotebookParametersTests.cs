namespace Flip.Notebooks.Tests;

public class NotebookParametersTests
{
    private const string Cell = """
        // Smoke values; full values in comments.
        var rounds = 2;          // full: 20
        var scale = 0.02;
        var steps = 10L;
        var strategy = "fedavg";
        var verbose = false;
        var seeds = new[] { 1, 2 };
        """;

    [Fact]
    public void Parse_reads_each_plain_var_with_the_type_of_its_literal()
    {
        var parameters = NotebookParameters.Parse(Cell);

        Assert.Equal(["rounds:int", "scale:double", "steps:long", "strategy:string", "verbose:bool"],
            parameters.Select(p => $"{p.Name}:{p.Type}"));
        Assert.Equal(2, parameters[0].Line);
    }

    [Fact]
    public void Overrides_become_assignments_in_the_declared_type()
    {
        var declared = NotebookParameters.Parse(Cell);
        var overrides = NotebookParameters.ParseOverrides(["rounds=20", "scale=1e-1", "strategy=fed\"bn", "verbose=true", "steps=7"]);

        string code = NotebookParameters.Assignments("nb.ipynb", declared, overrides);

        Assert.Equal("rounds = 20;\nscale = 0.1d;\nstrategy = \"fed\\\"bn\";\nverbose = true;\nsteps = 7L;\n", code);
    }

    [Fact]
    public void An_unknown_name_is_refused_with_the_closest_declared_one()
    {
        var declared = NotebookParameters.Parse(Cell);

        var e = Assert.Throws<FlipException>(() => NotebookParameters.Assignments("nb.ipynb", declared, NotebookParameters.ParseOverrides(["round=3"])));

        Assert.Equal(ExitCodes.BadCommandLine, e.ExitCode);
        Assert.Contains("nb.ipynb: parameter 'round' is not declared in the cell tagged 'parameters'", e.Message);
        Assert.Contains("did you mean 'rounds'?", e.ToUserText());
    }

    [Theory]
    [InlineData("rounds=2.5", "declared as int")]
    [InlineData("scale=abc", "declared as double")]
    [InlineData("verbose=yes", "declared as bool")]
    public void A_value_of_another_type_is_refused_naming_the_declaration(string pair, string expected)
    {
        var declared = NotebookParameters.Parse(Cell);

        var e = Assert.Throws<FlipException>(() => NotebookParameters.Assignments("nb.ipynb", declared, NotebookParameters.ParseOverrides([pair])));

        Assert.Contains(expected, e.Message);
        Assert.Contains("line", e.Message);
    }

    [Fact]
    public void A_pair_without_equals_is_refused()
    {
        var e = Assert.Throws<FlipException>(() => NotebookParameters.ParseOverrides(["rounds"]));
        Assert.Contains("name=value", e.Message);
    }
}
