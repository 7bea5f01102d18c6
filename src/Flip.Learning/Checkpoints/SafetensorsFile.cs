using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Flip.Federated;

namespace Flip.Learning.Checkpoints;

/// <summary>Reads and writes the <c>safetensors</c> format, so a PyTorch user can load a model trained here.</summary>
/// <remarks>
/// Layout (huggingface/safetensors, "Format"): an unsigned little-endian 64-bit header length N;
/// N bytes of UTF-8 JSON mapping each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c>
/// (offsets relative to the byte buffer that follows), plus an optional <c>"__metadata__"</c> map
/// of strings; the header is padded with spaces to a multiple of 8 bytes; then the tensors'
/// little-endian bytes, in order, with no gaps. Load in Python with
/// <c>safetensors.torch.load_file(path)</c> and <c>model.load_state_dict(...)</c>.
/// Files written here carry <c>"__metadata__": {"flip-sha256": …}</c>, the SHA-256 of every tensor's
/// name, dtype, shape and offsets and of the data bytes (see <see cref="ContentHash"/>); <see cref="Read"/>
/// verifies it and refuses a file whose bytes changed. Files without it (written by PyTorch) load unchecked.
/// </remarks>
public static class SafetensorsFile
{
    /// <summary>The metadata key holding the content hash.</summary>
    public const string HashKey = "flip-sha256";

    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Writes a parameter set, atomically (temp file, then rename).</summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <param name="parameters">Float32, float64 and int64 arrays, in order.</param>
    /// <param name="metadata">String metadata (e.g. the strategy and round), or <see langword="null"/>.</param>
    public static void Write(string path, ParameterSet parameters, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var header = new MemoryStream();
        long offset = 0;
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            {
                if (key != HashKey)
                {
                    json.WriteString(key, value);
                }
            }

            json.WriteString(HashKey, ContentHash(parameters));
            json.WriteEndObject();

            foreach (ParameterArray array in parameters)
            {
                long size = (long)array.Length * ElementSize(array.DataType);
                json.WriteStartObject(array.Name);
                json.WriteString("dtype", DtypeName(array.DataType));
                json.WriteStartArray("shape");
                foreach (int dimension in array.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + size);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += size;
            }

            json.WriteEndObject();
        }

        int padding = (int)((8 - (header.Length % 8)) % 8);
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(header.Length + padding));
            file.Write(length);
            header.Position = 0;
            header.CopyTo(file);
            for (int i = 0; i < padding; i++)
            {
                file.WriteByte((byte)' ');
            }

            foreach (ParameterArray array in parameters)
            {
                // Values are stored little-endian; .NET on x64/arm64 is little-endian, so the bytes are the values.
                switch (array.DataType)
                {
                    case ParameterDataType.Float32:
                        file.Write(MemoryMarshal.AsBytes(array.AsFloat32().Span));
                        break;
                    case ParameterDataType.Float64:
                        file.Write(MemoryMarshal.AsBytes(array.AsFloat64().Span));
                        break;
                    default:
                        file.Write(MemoryMarshal.AsBytes(array.AsInt64().Span));
                        break;
                }
            }

            file.Flush(true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// The content hash written as <c>flip-sha256</c>: SHA-256 over, per tensor in data order, the UTF-8
    /// line <c>name␀dtype␀d0,d1,…␀begin␀end\n</c>, followed by all tensor bytes in the same order.
    /// </summary>
    /// <param name="tensors">The tensors in data order.</param>
    /// <returns>Lower-case hex.</returns>
    public static string ContentHash(IEnumerable<ParameterArray> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        long offset = 0;
        foreach (ParameterArray tensor in list)
        {
            long size = (long)tensor.Length * ElementSize(tensor.DataType);
            hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{tensor.Name}\0{DtypeName(tensor.DataType)}\0{string.Join(',', tensor.Shape)}\0{offset}\0{offset + size}\n")));
            offset += size;
        }

        foreach (ParameterArray tensor in list)
        {
            hash.AppendData(Bytes(tensor));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static ReadOnlySpan<byte> Bytes(ParameterArray array) => array.DataType switch
    {
        ParameterDataType.Float32 => MemoryMarshal.AsBytes(array.AsFloat32().Span),
        ParameterDataType.Float64 => MemoryMarshal.AsBytes(array.AsFloat64().Span),
        _ => MemoryMarshal.AsBytes(array.AsInt64().Span),
    };

    /// <summary>Reads a safetensors file into a parameter set, in the order of the data offsets.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The arrays.</returns>
    /// <exception cref="FlipException">The file is not valid safetensors; the message names the offset or tensor.</exception>
    /// <exception cref="Flip.Federated.Runs.CorruptFileException">The file's content hash (<c>flip-sha256</c>) does not match its bytes.</exception>
    public static ParameterSet Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string name = Path.GetFileName(path);
        if (bytes.Length < 8)
        {
            throw Bad(name, 0, $"file has {bytes.Length} bytes; expected at least the 8-byte header length");
        }

        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (declared > (ulong)Math.Min(MaxHeaderBytes, bytes.Length - 8))
        {
            throw Bad(name, 0, $"header length {declared} exceeds the {bytes.Length - 8} bytes after it (limit {MaxHeaderBytes})");
        }

        int headerLength = (int)declared;
        long dataStart = 8 + headerLength;
        long dataLength = bytes.Length - dataStart;
        using JsonDocument document = ParseHeader(name, bytes.AsMemory(8, headerLength));
        var entries = new List<(long Begin, ParameterArray Array)>();
        string? recorded = null;
        foreach (JsonProperty tensor in document.RootElement.EnumerateObject())
        {
            if (tensor.Name == "__metadata__")
            {
                if (tensor.Value.ValueKind == JsonValueKind.Object && tensor.Value.TryGetProperty(HashKey, out JsonElement h) && h.ValueKind == JsonValueKind.String)
                {
                    recorded = h.GetString();
                }

                continue;
            }

            string where = $"tensor '{tensor.Name}'";
            try
            {
                entries.Add(ReadTensor(name, tensor, where, bytes, dataStart, dataLength));
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new FlipException($"{name}: at byte 0x8: {where} is malformed ({e.Message}); expected dtype, shape and data_offsets.", ExitCodes.BadInput, inner: e);
            }
        }

        var ordered = entries.OrderBy(e => e.Begin).Select(e => e.Array).ToList();
        if (recorded is not null)
        {
            string actual = ContentHash(ordered);
            if (!string.Equals(recorded, actual, StringComparison.OrdinalIgnoreCase))
            {
                throw Flip.Federated.Runs.CorruptFileException.HashMismatch(path, recorded, actual, "its header's __metadata__." + HashKey);
            }
        }

        return ParameterSet.Create(ordered);
    }

    private static (long Begin, ParameterArray Array) ReadTensor(string name, JsonProperty tensor, string where, byte[] bytes, long dataStart, long dataLength)
    {
        {
            string dtype = tensor.Value.GetProperty("dtype").GetString() ?? string.Empty;
            int[] shape = [.. tensor.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())];
            long[] offsets = [.. tensor.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64())];
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
            {
                throw Bad(name, 8, $"{where} has data_offsets [{string.Join(", ", offsets)}]; expected [begin, end] within the {dataLength} data bytes");
            }

            long count = shape.Aggregate(1L, (a, d) => a * d);
            int elementSize = dtype switch { "F32" => 4, "F64" => 8, "I64" => 8, _ => throw Bad(name, 8, $"{where} has dtype {dtype}; expected F32, F64 or I64") };
            if (count * elementSize != offsets[1] - offsets[0])
            {
                throw Bad(name, 8, $"{where} of shape [{string.Join(", ", shape)}] needs {count * elementSize} bytes, its offsets span {offsets[1] - offsets[0]}");
            }

            ReadOnlySpan<byte> data = bytes.AsSpan((int)(dataStart + offsets[0]), (int)(offsets[1] - offsets[0]));
            ParameterArray array = dtype switch
            {
                "F32" => ParameterArray.Float32(tensor.Name, shape, MemoryMarshal.Cast<byte, float>(data)),
                "F64" => ParameterArray.Float64(tensor.Name, shape, MemoryMarshal.Cast<byte, double>(data)),
                _ => ParameterArray.Int64(tensor.Name, shape, MemoryMarshal.Cast<byte, long>(data)),
            };
            return (offsets[0], array);
        }
    }

    private static JsonDocument ParseHeader(string name, ReadOnlyMemory<byte> header)
    {
        try
        {
            return JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new FlipException($"{name}: at byte 0x8: the header is not valid JSON ({e.Message}); expected the safetensors JSON header.", ExitCodes.BadInput, inner: e);
        }
    }

    private static FlipException Bad(string file, long offset, string problem)
        => new($"{file}: at byte 0x{offset.ToString("X", CultureInfo.InvariantCulture)}: {problem}.", ExitCodes.BadInput);

    private static int ElementSize(ParameterDataType type) => type == ParameterDataType.Float32 ? 4 : 8;

    private static string DtypeName(ParameterDataType type) => type switch
    {
        ParameterDataType.Float32 => "F32",
        ParameterDataType.Float64 => "F64",
        ParameterDataType.Int64 => "I64",
        _ => throw new NotSupportedException($"data type {type} has no safetensors name here."),
    };
}
