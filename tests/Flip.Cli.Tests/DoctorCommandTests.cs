namespace Flip.Cli.Tests;

public sealed class DoctorCommandTests
{
    [Fact]
    public void Doctor_reports_every_check_and_exits_0_when_TorchSharp_works()
    {
        CliProcess.Result result = CliProcess.Run("doctor");

        Assert.Equal(0, result.ExitCode);
        foreach (string check in new[] { "Operating system", "libstdc++", ".NET runtime", "TorchSharp", "Native library", "CUDA", "Threads" })
        {
            Assert.Contains(check, result.Output);
        }

        Assert.Contains("TorchSharp 0.107.0, libtorch-cpu 2.10.0", result.Output);
        Assert.Contains("TorchSharp works here.", result.Output);
        Assert.DoesNotContain("FAIL", result.Output);
    }

    [Fact]
    public void Doctor_says_when_the_compatibility_copy_is_in_use()
    {
        CliProcess.Result result = CliProcess.Run("doctor");

        bool oldLibStdCxx = result.Output.Contains("older than TorchSharp's GLIBCXX_3.4.32", StringComparison.Ordinal);
        Assert.Equal(oldLibStdCxx, result.Output.Contains("the compatibility copy (GLIBCXX_3.4.32 requirement marked weak)", StringComparison.Ordinal));
    }
}
