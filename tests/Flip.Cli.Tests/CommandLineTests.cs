namespace Flip.Cli.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Version_prints_the_product_version()
    {
        CliProcess.Result result = CliProcess.Run("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("0.1.0", result.Output.Trim());
    }

    [Fact]
    public void Help_lists_the_verbs()
    {
        CliProcess.Result result = CliProcess.Run("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("doctor", result.Output);
    }

    [Fact]
    public void No_arguments_shows_help()
    {
        CliProcess.Result result = CliProcess.Run();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Output);
    }

    [Fact]
    public void An_unknown_verb_is_one_sentence_and_exit_code_2()
    {
        CliProcess.Result result = CliProcess.Run("frobnicate");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: Unrecognized command or argument 'frobnicate'. Run 'flip-research --help' for the verbs and options.",
            result.All.ReplaceLineEndings(" ").Trim());
        Assert.DoesNotContain("   at ", result.All); // no stack trace
    }

    [Fact]
    public void Doctor_help_has_an_example()
    {
        CliProcess.Result result = CliProcess.Run("doctor", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Example:", result.Output);
        Assert.Contains("flip-research doctor", result.Output);
    }
}
