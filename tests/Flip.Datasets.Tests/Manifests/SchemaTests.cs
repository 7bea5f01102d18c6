using System.Text.Json;
using Flip.Datasets.Manifests;

namespace Flip.Datasets.Tests.Manifests;

public sealed class SchemaTests
{
    private static readonly string SchemaPath = Path.Combine(StandIns.Templates, "schema", "manifest.v1.schema.json");

    public static TheoryData<string> Shipped => [.. Directory.GetFiles(StandIns.Templates, "*.json").Select(f => Path.GetFileName(f)).Order()];

    [Fact]
    public void The_schema_and_the_loader_accept_the_same_properties_in_every_object()
    {
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        JsonElement defs = schema.RootElement.GetProperty("$defs");

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.RootElement.GetProperty("$schema").GetString());
        Assert.Equal(ManifestReader.Known.Keys.Order(), defs.EnumerateObject().Select(d => d.Name).Order());
        foreach (var (definition, properties) in ManifestReader.Known)
        {
            JsonElement def = defs.GetProperty(definition);
            Assert.False(def.GetProperty("additionalProperties").GetBoolean());
            Assert.Equal(properties.Order(), def.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
            Assert.All(def.GetProperty("properties").EnumerateObject(), p => Assert.True(
                p.Value.TryGetProperty("description", out _) || p.Value.TryGetProperty("$ref", out _), $"{definition}.{p.Name} has no description"));
        }
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Every_shipped_manifest_loads_and_uses_only_schema_properties(string name)
    {
        string path = Path.Combine(StandIns.Templates, name);
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(path));

        Assert.Empty(Manifest.Validate(path, checkData: false));
        Assert.Equal("schema/manifest.v1.schema.json", manifest.RootElement.GetProperty("$schema").GetString());
        CheckAgainstSchema(manifest.RootElement, "manifest", schema.RootElement.GetProperty("$defs"), "$");
    }

    /// <summary>Walks the manifest along the schema's $refs: every property must be declared, every required one present.</summary>
    private static void CheckAgainstSchema(JsonElement value, string definition, JsonElement defs, string path)
    {
        JsonElement def = defs.GetProperty(definition);
        JsonElement properties = def.GetProperty("properties");
        if (def.TryGetProperty("required", out JsonElement required))
        {
            Assert.All(required.EnumerateArray(), r => Assert.True(value.TryGetProperty(r.GetString()!, out _), $"{path}: required {r} is missing"));
        }

        foreach (JsonProperty property in value.EnumerateObject())
        {
            Assert.True(properties.TryGetProperty(property.Name, out JsonElement declared), $"{path}.{property.Name} is not in the schema");
            JsonElement target = declared.TryGetProperty("items", out JsonElement items) ? items : declared;
            if (target.TryGetProperty("$ref", out JsonElement reference))
            {
                string next = reference.GetString()!["#/$defs/".Length..];
                foreach (JsonElement element in property.Value.ValueKind == JsonValueKind.Array ? property.Value.EnumerateArray().ToArray() : [property.Value])
                {
                    CheckAgainstSchema(element, next, defs, $"{path}.{property.Name}");
                }
            }
        }
    }
}
