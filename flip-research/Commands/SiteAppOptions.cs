using System.CommandLine;
using Flip.Experiments;
using Flip.Federated;
using Flip.Flower.Apps;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Learning.Devices;
using Flip.Learning.Models;
using Flip.Learning.Training;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary>
/// The hospital side both node verbs share: which site's data, what may leave, the app contract, the model and the device;
/// <c>client</c> joins a Fleet server with it, <c>clientapp</c> answers a Flower SuperNode's messages with it.
/// </summary>
internal sealed class SiteAppOptions
{
    public Option<string> Site { get; } = new("--site") { Description = "This node's site id: in --manifest, or a FLIP-6 hospital of the synthetic data (site-1 … site-6)." };

    public Option<string> Manifest { get; } = new("--manifest") { Description = "A dataset manifest; the node reads its site's data from the site's source there (folder, or PACS over DICOMweb)." };

    public Option<string> Cache { get; } = new("--cache") { Description = "Cache folder for the manifest's index and fetched PACS data (default: <manifest folder>/.flip-cache)." };

    public Option<string[]> Share { get; } = new("--share") { Description = "What the node sends: parameters, counts, metrics (all three; per-patient items are refused).", DefaultValueFactory = _ => HospitalSiteData.Shareable, AllowMultipleArgumentsPerToken = true };

    public Option<double> Scale { get; } = new("--scale") { Description = "Synthetic cohort scale.", DefaultValueFactory = _ => 0.08 };

    public Option<int> Seed { get; } = new("--seed") { Description = "Synthetic cohort seed.", DefaultValueFactory = _ => 7 };

    public Option<int> BaseChannels { get; } = new("--base-channels") { Description = "U-Net channels at the first level (as the server), unless the app contract fixes them.", DefaultValueFactory = _ => 8 };

    public Option<string> AppContract { get; } = new("--app")
    {
        Description = "The Flower app's contract: a JSON file (src/Flip.Flower/Apps/app-contract.schema.json) or a built-in one: " +
            string.Join(", ", Flip.Flower.Apps.AppContract.PresetNames) + ". It maps the app's config keys to the trainer, names the reply's metric keys and what num-examples counts, and fixes the model. " +
            "Example: --app flower-unetapp",
        DefaultValueFactory = _ => "flip",
    };

    public Option<string> Device { get; } = new("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };

    public IEnumerable<Option> All => [Site, Manifest, Cache, Share, Scale, Seed, BaseChannels, AppContract, Device];

    /// <summary>Checks what may leave and the contract, before anything is created; a refused command writes nothing.</summary>
    public AppContract CheckAndLoadContract(ParseResult parse)
    {
        HospitalSiteData.CheckSharing(parse.GetValue(Share)!);
        AppContract contract = Flip.Flower.Apps.AppContract.Load(parse.GetValue(AppContract)!);
        CheckContract(contract, parse.GetValue(Manifest));
        return contract;
    }

    /// <summary>Loads the site's data, prints what will be shared, and builds the app every message is answered with.</summary>
    /// <returns>The app and the workspace that holds its model (dispose it when the node stops).</returns>
    public (SiteFlowerApp App, ModelWorkspace Workspace, PreparedSite Local) Build(IAnsiConsole console, ParseResult parse, AppContract contract, bool secureOnly,
        NodeIdentity? identity, NodeAllowList? secureAggregationPeers, CancellationToken ct)
    {
        string siteId = parse.GetValue(Site)!;
        PreparedSite local = HospitalSiteData.Load(console, siteId, parse.GetValue(Manifest), parse.GetValue(Cache), parse.GetValue(Scale), parse.GetValue(Seed), ct);
        int channels = contract.ModelBaseChannels ?? parse.GetValue(BaseChannels);
        var recipe = new ModelRecipe { InputChannels = local.Train.Channels, BaseChannels = channels };
        var workspace = new ModelWorkspace(recipe.Build, DeviceChoice.Resolve(parse.GetValue(Device)!));
        var trainer = new SegmentationSiteTrainer(local.Train, local.Test, workspace);
        ParameterSet initial = workspace.Model.ToParameterSet();
        HospitalSiteData.PrintSharing(console, siteId, local, initial);
        var app = new SiteFlowerApp(new Site(new SiteId(siteId), trainer), initial.Layout, secureOnly, new Logging.ConsoleLineLogger<SiteFlowerApp>(console), identity, secureAggregationPeers, contract);
        console.MarkupLineInterpolated($"app contract '{contract.Name}': model {contract.ModelText}, {initial.Count} arrays; train replies {contract.ReplyKeysText(contract.Train)}, evaluate replies {contract.ReplyKeysText(contract.Evaluate)}.");
        return (app, workspace, local);
    }

    // The contract's model and data must be what this node can provide; refused before anything is created.
    private static void CheckContract(AppContract contract, string? manifestPath)
    {
        if (contract.ModelRecipe != "unet2d")
        {
            throw new FlipException($"--app {contract.Name}: model recipe '{contract.ModelRecipe}' is not one this node builds; expected unet2d.", ExitCodes.BadInput,
                "set model.recipe to unet2d, or join with a contract of an app whose model the node can train.");
        }

        if (contract.Data == AppDataSource.Manifest && manifestPath is null)
        {
            throw new FlipException($"--app {contract.Name}: the contract trains on a hospital manifest, but no --manifest was given.", ExitCodes.BadCommandLine, "add --manifest FILE.");
        }

        if (contract.Data == AppDataSource.Flip6 && manifestPath is not null)
        {
            throw new FlipException($"--app {contract.Name}: the contract trains on a FLIP-6 hospital of the synthetic cohort, but --manifest was given.", ExitCodes.BadCommandLine, "drop --manifest, or use a contract with data 'any' or 'manifest'.");
        }
    }
}
