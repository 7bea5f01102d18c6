using System.Globalization;

namespace Flip.Cli.Tests;

/// <summary>
/// <c>serverapp</c> and <c>clientapp</c> started before their engine (a SuperLink or SuperNode still starting, or
/// restarting) wait for it with logged back-off, as Flower's own processes and FLIP's nodes do, instead of exiting.
/// </summary>
public sealed class AppIoWaitTests
{
    [Fact]
    public async Task Serverapp_waits_for_a_superlink_within_its_patience_then_names_the_address_and_the_fix()
    {
        // Given a port nobody serves
        int port = CliProcess.FreePort();

        // When serverapp is pointed at it with 4 s of patience
        using NodeProcess serverapp = NodeProcess.Start("serverapp", "--superlink", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--wait-seconds", "4");

        // Then it retried with back-off, and after its patience exits 5 naming the address, the time and the fix
        Assert.True(await serverapp.WaitAsync(TimeSpan.FromMinutes(2)), serverapp.Output);
        Assert.True(serverapp.ExitCode == 5, serverapp.Output);
        Assert.Contains("unreachable; reconnecting in", serverapp.Output);
        Assert.Contains($"no SuperLink ServerAppIo API answered at 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} within 4 s", serverapp.Output);
        Assert.Contains("flower-superlink --isolation process", serverapp.Output);
    }

    [Fact]
    public async Task Clientapp_started_before_its_supernode_keeps_waiting_for_it()
    {
        // Given a port nobody serves
        int port = CliProcess.FreePort();

        // When clientapp is pointed at it
        using NodeProcess clientapp = NodeProcess.Start("clientapp", "--supernode", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--site", "site-1",
            "--scale", "0.02", "--base-channels", "4", "--device", "cpu");

        // Then it logs its back-off and is still running (a SuperNode that comes up later is joined; Ctrl-C stops it)
        Assert.True(await clientapp.WaitForTextAsync("unreachable; reconnecting in", TimeSpan.FromMinutes(3)), clientapp.Output);
        Assert.False(clientapp.HasExited, clientapp.Output);
    }
}
