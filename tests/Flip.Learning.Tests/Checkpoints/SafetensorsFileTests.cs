using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Flip.Federated;
using Flip.Learning.Checkpoints;
using Flip.Learning.Models;
using TorchSharp;

namespace Flip.Learning.Tests.Checkpoints;

[Collection("Torch")]
public sealed class SafetensorsFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-st-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_W1_model_exports_to_a_file_that_follows_the_format_spec()
    {
        // Given
        torch.manual_seed(0);
        using var model = new UNet2D();
        ParameterSet state = model.ToParameterSet();
        string path = Path.Combine(_folder, "unet.safetensors");

        // When
        SafetensorsFile.Write(path, state, new Dictionary<string, string> { ["strategy"] = "fedavg" });

        // Then: read independently of the writer, by the spec
        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '));
        Assert.Equal("fedavg", header.RootElement.GetProperty("__metadata__").GetProperty("strategy").GetString());
        Assert.Equal(93, header.RootElement.EnumerateObject().Count()); // 92 state entries + __metadata__
        JsonElement head = header.RootElement.GetProperty("head.weight");
        Assert.Equal("F32", head.GetProperty("dtype").GetString());
        Assert.Equal([2, 16, 1, 1], head.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal("I64", header.RootElement.GetProperty("enc1.bn1.num_batches_tracked").GetProperty("dtype").GetString());
        long[] offsets = [.. head.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64())];
        float first = BitConverter.ToSingle(bytes, (int)(8 + headerLength + offsets[0]));
        Assert.Equal(state["head.weight"].AsFloat32().Span[0], first);
        // 484,162 float32 values and 14 int64 counters, no gaps.
        Assert.Equal((484_162 * 4) + (14 * 8), bytes.Length - 8 - headerLength);
    }

    [Fact]
    public void Read_returns_exactly_what_was_written()
    {
        torch.manual_seed(1);
        using var model = new Classifier3D();
        ParameterSet state = model.ToParameterSet();
        string path = Path.Combine(_folder, "c3d.safetensors");

        SafetensorsFile.Write(path, state);
        ParameterSet back = SafetensorsFile.Read(path);

        Assert.True(state.ContentEquals(back));
        Assert.Equal(state.Names, back.Names);
    }

    [Fact]
    public void Read_refuses_a_header_length_past_the_end_without_allocating_it()
    {
        string path = Path.Combine(_folder, "bad.safetensors");
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue / 2);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<FlipException>(() => SafetensorsFile.Read(path));

        Assert.StartsWith("bad.safetensors: at byte 0x0: header length 9223372036854775807 exceeds the 8 bytes after it", error.Message);
    }

    [Fact]
    public void Read_refuses_offsets_that_do_not_match_the_shape()
    {
        string path = Path.Combine(_folder, "shape.safetensors");
        string json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        json += new string(' ', (8 - (json.Length % 8)) % 8);
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<FlipException>(() => SafetensorsFile.Read(path));

        Assert.Contains("tensor 'w' of shape [3] needs 12 bytes, its offsets span 8", error.Message);
    }
}
