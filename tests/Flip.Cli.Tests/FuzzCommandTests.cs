namespace Flip.Cli.Tests;

public sealed class FuzzCommandTests
{
    [Fact]
    public void Fuzz_dicom_runs_a_short_campaign_and_finds_nothing()
    {
        CliProcess.Result result = CliProcess.Run("fuzz", "dicom", "--cases", "300", "--seed", "5", "--no-dcmtk");

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("DICOM fuzzing", result.Output);
        Assert.Contains("300", result.Output);
        Assert.Contains("distinct findings", result.Output);
    }

    [Fact]
    public void The_CLI_ships_no_CsCheck()
    {
        // The fuzz verb draws its mutations with its own seeded generator; CsCheck is for the tests' properties only.
        string deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "flip-research.deps.json"));

        Assert.DoesNotContain("CsCheck", deps, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "CsCheck.dll")));
    }
}
