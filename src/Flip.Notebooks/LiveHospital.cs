using Flip.Experiments;
using Flip.Federated;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Learning.Devices;
using Flip.Learning.Models;
using Flip.Learning.Training;

namespace Flip.Notebooks;

/// <summary>A hospital node started from a notebook: one site's patients behind Flower's node protocol, joined to a
/// server (what <c>flip-research client</c> does). Only parameters, counts and metrics leave it.</summary>
public sealed class LiveHospital : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ModelWorkspace _workspace;
    private readonly NodeIdentity _identity;
    private readonly IDisposable _channel;
    private readonly Task _running;

    private LiveHospital(string siteId, ModelWorkspace workspace, NodeIdentity identity, IDisposable channel, Func<CancellationToken, Task> run)
    {
        SiteId = siteId;
        _workspace = workspace;
        _identity = identity;
        _channel = channel;
        _running = Task.Run(async () =>
        {
            try
            {
                await run(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        });
    }

    /// <summary>The hospital's site id.</summary>
    public string SiteId { get; }

    /// <summary>Starts a node for one hospital of a prepared cohort and joins the server.</summary>
    /// <param name="server">The server's address (a <see cref="LiveServer"/>'s, or an external Flower-compatible server).</param>
    /// <param name="site">The hospital's prepared data.</param>
    /// <param name="baseChannels">U-Net channels at the first level (as the server's).</param>
    /// <returns>The running node.</returns>
    public static LiveHospital Start(Uri server, PreparedSite site, int baseChannels = 8)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(site);
        var workspace = new ModelWorkspace(new ExperimentOptions { BaseChannels = baseChannels }.ModelRecipe(site.Train.Channels).Build, DeviceChoice.Resolve("auto"));
        var trainer = new SegmentationSiteTrainer(site.Train, site.Test, workspace);
        var app = new SiteFlowerApp(new Site(new SiteId(site.Id), trainer), workspace.Model.ToParameterSet().Layout);
        var identity = NodeIdentity.Create();
        var channel = FlowerChannel.Create(server);
        var node = new FlowerNode(channel.CreateCallInvoker(), identity, app, server.ToString(), new FlowerNodeOptions { PollInterval = TimeSpan.FromMilliseconds(200) });
        return new LiveHospital(site.Id, workspace, identity, channel, node.RunAsync);
    }

    /// <summary>Stops the node and frees its model.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        _channel.Dispose();
        _identity.Dispose();
        _workspace.Dispose();
        _stop.Dispose();
    }
}
