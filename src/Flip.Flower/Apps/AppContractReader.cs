using System.Text.Json;
using Flip.Federated;

namespace Flip.Flower.Apps;

/// <summary>Reads the JSON form of an <see cref="AppContract"/> (app-contract.schema.json), naming the JSON path of the first problem.</summary>
internal static class AppContractReader
{
    /// <summary>The top-level properties, as the schema lists them.</summary>
    internal static readonly string[] Properties = ["$schema", "name", "description", "model", "data", "num-examples-key", "train", "evaluate"];

    /// <summary>The properties of <c>train</c> and <c>evaluate</c>.</summary>
    internal static readonly string[] StepProperties = ["config", "metrics", "num-examples"];

    /// <summary>The properties of <c>model</c>.</summary>
    internal static readonly string[] ModelProperties = ["recipe", "base-channels"];

    /// <summary>The values of <c>num-examples</c>.</summary>
    internal static readonly Dictionary<string, ExampleCount> Counts = new(StringComparer.Ordinal)
    {
        ["site"] = ExampleCount.Site,
        ["batch"] = ExampleCount.Batch,
        ["steps-x-batch"] = ExampleCount.StepsTimesBatch,
    };

    /// <summary>The values of <c>data</c>.</summary>
    internal static readonly Dictionary<string, AppDataSource> Sources = new(StringComparer.Ordinal)
    {
        ["any"] = AppDataSource.Any,
        ["manifest"] = AppDataSource.Manifest,
        ["flip6"] = AppDataSource.Flip6,
    };

    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static AppContract Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw AppContractException.BadFile(source, $"line {(e.LineNumber ?? 0) + 1}", "not valid JSON (" + e.Message + ")", "a JSON object");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            Object(root, source, "$", Properties);
            string name = Text(root, source, "$", "name") ?? throw AppContractException.BadFile(source, "$.name", "missing", "the contract's name");
            var contract = new AppContract
            {
                Name = name,
                Data = Choice(root, source, "$", "data", Sources) ?? AppDataSource.Any,
                ExampleCountKey = Text(root, source, "$", "num-examples-key") ?? MetricNames.ExampleCount,
                Train = Step(root, source, "train"),
                Evaluate = Step(root, source, "evaluate"),
            };
            if (root.TryGetProperty("model", out JsonElement model))
            {
                Object(model, source, "$.model", ModelProperties);
                contract = contract with
                {
                    ModelRecipe = Text(model, source, "$.model", "recipe") ?? contract.ModelRecipe,
                    ModelBaseChannels = model.TryGetProperty("base-channels", out JsonElement channels)
                        ? channels.ValueKind == JsonValueKind.Number && channels.TryGetInt32(out int c) && c >= 1 ? c
                            : throw AppContractException.BadFile(source, "$.model.base-channels", $"{channels.GetRawText()}", "a whole number ≥ 1")
                        : null,
                };
            }

            foreach (var (step, path) in new[] { (contract.Train, "$.train"), (contract.Evaluate, "$.evaluate") })
            {
                if (step.Metrics?.FirstOrDefault(m => m.Key == contract.ExampleCountKey) is { Key: not null } clash)
                {
                    throw AppContractException.BadFile(source, $"{path}.metrics.{clash.Key}", "the example count key", "other keys (the example count is added by the node, see num-examples)");
                }
            }

            return contract;
        }
    }

    private static AppContractStep Step(JsonElement root, string source, string name)
    {
        string path = "$." + name;
        if (!root.TryGetProperty(name, out JsonElement step))
        {
            return new AppContractStep();
        }

        Object(step, source, path, StepProperties);
        Dictionary<string, string>? config = null;
        if (step.TryGetProperty("config", out JsonElement c))
        {
            config = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in Pairs(c, source, path + ".config"))
            {
                if (!ConfigKeys.All.Contains(value, StringComparer.Ordinal) || value == ConfigKeys.Round)
                {
                    throw AppContractException.BadFile(source, $"{path}.config.{key}", $"\"{value}\" is not a FLIP setting", "one such as learning-rate, local-steps or batch-size");
                }

                config[key] = value;
            }
        }

        List<KeyValuePair<string, string>>? metrics = step.TryGetProperty("metrics", out JsonElement m)
            ? [.. Pairs(m, source, path + ".metrics").Select(p => KeyValuePair.Create(p.Key, p.Value))]
            : null;
        return new AppContractStep
        {
            Config = config,
            Metrics = metrics,
            Examples = Choice(step, source, path, "num-examples", Counts) ?? ExampleCount.Site,
        };
    }

    private static IEnumerable<(string Key, string Value)> Pairs(JsonElement element, string source, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw AppContractException.BadFile(source, path, element.ValueKind.ToString().ToLowerInvariant(), "an object of app key to FLIP name");
        }

        var pairs = new List<(string, string)>();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(property.Value.GetString()) || property.Name.Length == 0)
            {
                throw AppContractException.BadFile(source, $"{path}.{property.Name}", property.Value.GetRawText(), "a non-empty string naming FLIP's setting or metric");
            }

            pairs.Add((property.Name, property.Value.GetString()!));
        }

        return pairs;
    }

    private static void Object(JsonElement element, string source, string path, string[] allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw AppContractException.BadFile(source, path, element.ValueKind.ToString().ToLowerInvariant(), "an object");
        }

        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                throw AppContractException.BadFile(source, $"{path}.{property.Name}", "an unknown property", "one of " + string.Join(", ", allowed));
            }
        }
    }

    private static string? Text(JsonElement element, string source, string path, string name)
        => !element.TryGetProperty(name, out JsonElement value) ? null
            : value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()) ? value.GetString()
            : throw AppContractException.BadFile(source, $"{path}.{name}", value.GetRawText(), "a non-empty string");

    private static T? Choice<T>(JsonElement element, string source, string path, string name, Dictionary<string, T> choices)
        where T : struct
    {
        string? text = Text(element, source, path, name);
        return text is null ? null
            : choices.TryGetValue(text, out T value) ? value
            : throw AppContractException.BadFile(source, $"{path}.{name}", $"\"{text}\"", "one of " + string.Join(", ", choices.Keys));
    }
}
