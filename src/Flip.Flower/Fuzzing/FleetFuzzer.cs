using System.Diagnostics;
using System.Net;
using System.Text;
using Flip.Federated;
using Flip.Flower.Auth;
using Flip.Flower.Fleet;
using Flip.Flower.Npy;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Google.Protobuf;
using Grpc.Core;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fuzzing;

/// <summary>
/// Fuzzes what an authorized node sends a Fleet server: valid replies (as <see cref="ObjectCodec.Deflate"/> writes them) with their
/// object ids, heads, trees, chunk lists, array headers, record contents and metadata mutated. Each case runs through the server's
/// decode path in process (parse, budget, rebuild, the strategy's checks); a sample goes to a real <see cref="FleetService"/> over
/// loopback gRPC. Only <see cref="FlowerProtocolException"/> may escape the decode path, the server may answer only with the
/// statuses of a refusal and must keep answering, and no case may allocate beyond its reply's <see cref="ObjectBudget"/>.
/// </summary>
public static class FleetFuzzer
{
    private const ulong RunId = 1;

    private static readonly StatusCode[] RefusalStatuses =
        [StatusCode.OK, StatusCode.InvalidArgument, StatusCode.FailedPrecondition, StatusCode.ResourceExhausted, StatusCode.PermissionDenied, StatusCode.NotFound];

    /// <summary>The model the fuzzed replies answer: small arrays, two equal ones (one object under two names, as Flower sends them), an int64 scalar.</summary>
    /// <param name="large">Adds an array of zeros cut into three chunks, two of them equal (10.4 MB).</param>
    /// <returns>The model.</returns>
    public static ParameterSet Model(bool large)
    {
        var arrays = new List<ParameterArray>
        {
            ParameterArray.Float32("conv.weight", [4, 3, 3], [.. Enumerable.Range(0, 36).Select(i => i * 0.25f)]),
            ParameterArray.Float32("conv.bias", [4], [0.5f, -0.5f, 1f, -1f]),
            ParameterArray.Float32("bn.running_mean", [4], new float[4]),
            ParameterArray.Float32("bn.bias", [4], new float[4]),
            ParameterArray.Int64("bn.num_batches_tracked", [], [3]),
        };
        if (large)
        {
            arrays.Add(ParameterArray.Float32("head.weight", [2_600_000], new float[2_600_000]));
        }

        return ParameterSet.Create(arrays);
    }

    /// <summary>Runs a campaign: <see cref="FleetFuzzOptions.Cases"/> cases on the decode path, then <see cref="FleetFuzzOptions.WireCases"/> over loopback gRPC.</summary>
    /// <param name="options">Cases, seed, allocation slack.</param>
    /// <param name="progress">Called now and then with the cases done and the distinct findings so far.</param>
    /// <param name="ct">Stops the run.</param>
    /// <returns>The report.</returns>
    public static async Task<FleetFuzzReport> RunAsync(FleetFuzzOptions options, Action<long, int>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var run = new Campaign(options);
        using (var peak = new PeakSampler())
        {
            var seeds = new[] { false, true }.Select(large =>
            {
                ParameterSet model = Model(large);
                var instruction = new RecordDict { { RecordKeys.Arrays, model.ToArrayRecord() } };
                W.Metadata meta = new() { RunId = RunId, SrcNodeId = FleetService.SuperLinkNodeId, DstNodeId = 2, MessageId = new string('a', 64), MessageType = "train", CreatedAt = 1.8e9, Ttl = 3600 };
                return (Model: model, Budget: ObjectBudget.ForReplyTo(instruction), Replies: Replies(meta, model));
            }).ToArray();
            for (long i = 0; i < options.Cases && !ct.IsCancellationRequested; i++)
            {
                var rng = CaseRandom(options.Seed, i);
                var seed = seeds[rng.Next(20) == 0 ? 1 : 0];
                FuzzReply reply = seed.Replies[rng.Next(seed.Replies.Length)].Copy();
                FleetMutation[] mutations = Mutate(reply, rng);
                run.Decode(i, reply, mutations, seed.Budget, seed.Model.Layout);
                if (i % 1000 == 999)
                {
                    progress?.Invoke(i + 1, run.Findings.Count);
                }
            }

            if (options.WireCases > 0)
            {
                await run.WireAsync(seeds[0].Model, ct).ConfigureAwait(false);
            }

            progress?.Invoke(run.Cases + run.WireCases, run.Findings.Count);
            return new FleetFuzzReport(run.Cases, run.Accepted, run.Refused, run.WireCases, run.Statuses, [.. run.Findings.Values.OrderBy(f => f.Case)], run.FindingCases,
                run.PeakCaseAllocated, peak.Peak, run.RefusedByKind, clock.Elapsed);
        }
    }

    /// <summary>Case <paramref name="index"/>'s random source: always the same for the same run seed.</summary>
    private static Random CaseRandom(ulong runSeed, long index) => new((int)((runSeed * 0x9E3779B97F4A7C15UL) ^ (ulong)(index * 0x2545F491)));

    /// <summary>The valid replies mutations start from: a train reply with arrays and metrics and config, an evaluate reply, an error reply.</summary>
    private static FuzzReply[] Replies(W.Metadata instruction, ParameterSet model)
    {
        W.Metadata reply = new()
        {
            RunId = instruction.RunId,
            SrcNodeId = instruction.DstNodeId,
            DstNodeId = instruction.SrcNodeId,
            ReplyToMessageId = instruction.MessageId,
            CreatedAt = instruction.CreatedAt + 1,
            Ttl = instruction.Ttl - 1,
            MessageType = instruction.MessageType,
        };
        var metrics = new MetricRecord { { RecordKeys.NumExamples, RecordValue.Of(12L) }, { "train-loss", RecordValue.Of(0.5) } };
        var config = new Records.ConfigRecord { { "note", RecordValue.Of("x") }, { "flags", RecordValue.OfList([true, false]) } };
        FlowerMessage[] messages =
        [
            new(reply, new RecordDict { { RecordKeys.Arrays, model.ToArrayRecord() }, { RecordKeys.Metrics, metrics }, { RecordKeys.Config, config } }),
            new(reply, new RecordDict { { RecordKeys.Metrics, metrics } }),
            new(reply, new W.Error { Code = 2, Reason = "failed" }),
        ];
        return [.. messages.Select(m =>
        {
            DeflatedMessage d = ObjectCodec.Deflate(m);
            return new FuzzReply(d.Message, d.Tree, d.Objects.ToDictionary(o => o.Key, o => o.Value.Content.ToArray(), StringComparer.Ordinal));
        })];
    }

    /// <summary>A reply being mutated: its wire message, tree, and object bytes by the id they are sent under.</summary>
    private sealed record FuzzReply(W.Message Message, W.ObjectTree Tree, Dictionary<string, byte[]> Contents)
    {
        public FuzzReply Copy() => new(Message.Clone(), Tree.Clone(), new Dictionary<string, byte[]>(Contents, StringComparer.Ordinal));
    }

    private static FleetMutation[] Mutate(FuzzReply reply, Random rng)
    {
        var done = new List<FleetMutation>();
        int count = 1 + (rng.Next(4) == 0 ? rng.Next(3) : 0);
        var kinds = Enum.GetValues<FleetMutationKind>();
        for (int m = 0; m < count; m++)
        {
            FleetMutationKind kind = kinds[rng.Next(kinds.Length)];
            string? detail;
            try
            {
                detail = kind == FleetMutationKind.Tree ? null : MutateOnce(kind, reply, rng);
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException or FormatException)
            {
                // A mutator meeting what an earlier mutation of the same case left: the case goes on with the mutations it has.
                detail = null;
            }

            if (detail is not null)
            {
                done.Add(new FleetMutation(kind, detail));
            }
        }

        // Most mutants get ids that match their bytes again (parents updated), so they pass the hash check and reach the decoder.
        if (rng.Next(100) < 85)
        {
            Reseal(reply);
        }

        if (done.Count == 0 || rng.Next(6) == 0)
        {
            done.Add(new FleetMutation(FleetMutationKind.Tree, MutateTree(reply, rng)));
        }

        if (!done.Exists(d => d.Kind == FleetMutationKind.Metadata && d.Detail.StartsWith("message_id", StringComparison.Ordinal)))
        {
            reply.Message.Metadata.MessageId = reply.Tree.ObjectId;
        }

        return [.. done];
    }

    /// <summary>One mutation; <see langword="null"/> when the reply has nothing it applies to (for example an earlier mutation broke the object it edits).</summary>
    private static string? MutateOnce(FleetMutationKind kind, FuzzReply reply, Random rng) => kind switch
    {
        FleetMutationKind.ObjectId => MutateObjectId(reply, rng),
        FleetMutationKind.Head => MutateHead(reply, rng),
        FleetMutationKind.ChunkList => MutateChunkList(reply, rng),
        FleetMutationKind.ArrayHeader => MutateArrayHeader(reply, rng),
        FleetMutationKind.NpyHeader => MutateNpyHeader(reply, rng),
        FleetMutationKind.RecordMap => MutateRecordMap(reply, rng),
        FleetMutationKind.RecordContent => MutateRecordContent(reply, rng),
        FleetMutationKind.Metadata => MutateMetadata(reply, rng),
        FleetMutationKind.Bytes => MutateBytes(reply, rng),
        _ => null,
    };

    // ---- object helpers -------------------------------------------------------------------------------------------------

    private static (string Type, List<string> Children, byte[] Body)? Split(byte[] content)
    {
        int zero = Array.IndexOf(content, (byte)0);
        if (zero < 0)
        {
            return null;
        }

        string[] parts = Encoding.ASCII.GetString(content, 0, zero).Split(' ');
        if (parts.Length != 3)
        {
            return null;
        }

        return (parts[0], parts[1].Length == 0 ? [] : [.. parts[1].Split(',')], content[(zero + 1)..]);
    }

    private static byte[] Join(string type, IReadOnlyList<string> children, ReadOnlySpan<byte> body) => FlowerObject.Create(type, children, body).Content.ToArray();

    private static string? Pick(FuzzReply reply, Random rng, Func<string, bool> typeWanted)
    {
        var ids = reply.Contents.Where(c => Split(c.Value) is { } s && typeWanted(s.Type)).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
        return ids.Count == 0 ? null : ids[rng.Next(ids.Count)];
    }

    private static string RandomHex(Random rng, int length)
    {
        const string digits = "0123456789abcdef";
        return string.Create(length, rng, (span, r) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = digits[r.Next(16)];
            }
        });
    }

    private static void Reseal(FuzzReply reply)
    {
        foreach (string id in ObjectCodec.PostOrderIds(reply.Tree))
        {
            if (!reply.Contents.TryGetValue(id, out byte[]? content))
            {
                continue;
            }

            string actual = FlowerObject.ComputeId(content);
            if (actual == id || reply.Contents.ContainsKey(actual))
            {
                continue;
            }

            reply.Contents.Remove(id);
            reply.Contents[actual] = content;
            byte[] from = Encoding.ASCII.GetBytes(id);
            byte[] to = Encoding.ASCII.GetBytes(actual);
            foreach (string other in reply.Contents.Keys.ToList())
            {
                byte[] bytes = reply.Contents[other];
                if (bytes.Length < (1 << 20) && bytes.AsSpan().IndexOf(from) >= 0)
                {
                    reply.Contents[other] = Replace(bytes, from, to);
                }
            }

            Rename(reply.Tree, id, actual);
        }
    }

    private static byte[] Replace(byte[] bytes, byte[] from, byte[] to)
    {
        if (from.Length == 0)
        {
            return bytes;
        }

        var result = new List<byte>(bytes.Length);
        int i = 0;
        while (i < bytes.Length)
        {
            if (i + from.Length <= bytes.Length && bytes.AsSpan(i, from.Length).SequenceEqual(from))
            {
                result.AddRange(to);
                i += from.Length;
            }
            else
            {
                result.Add(bytes[i++]);
            }
        }

        return [.. result];
    }

    private static void Rename(W.ObjectTree tree, string from, string to)
    {
        if (tree.ObjectId == from)
        {
            tree.ObjectId = to;
        }

        foreach (W.ObjectTree child in tree.Children)
        {
            Rename(child, from, to);
        }
    }

    // ---- mutations ------------------------------------------------------------------------------------------------------

    private static string? MutateObjectId(FuzzReply reply, Random rng)
    {
        string? id = Pick(reply, rng, t => t is "Message" or "RecordDict" or "ArrayRecord" or "Array");
        if (id is null || Split(reply.Contents[id]) is not { } s || s.Children.Count == 0)
        {
            return null;
        }

        string child = s.Children[rng.Next(s.Children.Count)];
        string other = reply.Contents.Keys.Order(StringComparer.Ordinal).ElementAt(rng.Next(reply.Contents.Count));
        (string replacement, string how) = rng.Next(5) switch
        {
            0 => (RandomHex(rng, 64), "random id"),
            1 => (child[..Math.Max(0, child.Length - 1)], "truncated id"),
            2 => (child.ToUpperInvariant(), "upper-case id"),
            3 => (other, "the id of another object"),
            _ => (child + "0", "65 characters"),
        };
        bool inHead = rng.Next(2) == 0;
        List<string> children = inHead ? [.. s.Children.Select(c => c == child ? replacement : c)] : s.Children;
        byte[] body = inHead ? s.Body : Replace(s.Body, Encoding.ASCII.GetBytes(child), Encoding.ASCII.GetBytes(replacement));
        reply.Contents[id] = Join(s.Type, children, body);
        return $"{how} in the {(inHead ? "head" : "body")} of a {s.Type}";
    }

    private static string? MutateHead(FuzzReply reply, Random rng)
    {
        string? id = Pick(reply, rng, _ => true);
        if (id is null || Split(reply.Contents[id]) is not { } s)
        {
            return null;
        }

        string[] types = ["Message", "RecordDict", "ArrayRecord", "Array", "ArrayChunk", "ConfigRecord", "MetricRecord", "Junk", string.Empty];
        string children = string.Join(",", s.Children);
        string length = s.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string type = s.Type;
        string how;
        switch (rng.Next(6))
        {
            case 0:
                type = types[rng.Next(types.Length)];
                how = $"type '{type}'";
                break;
            case 1:
                children = s.Children.Count > 0 ? children + "," + s.Children[0] : RandomHex(rng, 64);
                how = "a child twice (or an extra child)";
                break;
            case 2:
                length = rng.Next(3) switch { 0 => (s.Body.Length + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), 1 => "-1", _ => "99999999999" };
                how = $"body length {length}";
                break;
            case 3:
                children = children.ToUpperInvariant() + ",";
                how = "child list upper case with a trailing comma";
                break;
            case 4:
                reply.Contents[id] = [.. Encoding.ASCII.GetBytes($"{type} {children} {length}"), .. s.Body];
                return "no 0x00 after the head";
            default:
                type += " ";
                how = "an extra space";
                break;
        }

        reply.Contents[id] = [.. Encoding.ASCII.GetBytes($"{type} {children} {length}"), 0, .. s.Body];
        return how;
    }

    private static string MutateTree(FuzzReply reply, Random rng)
    {
        var nodes = new List<W.ObjectTree>();
        void Collect(W.ObjectTree t)
        {
            nodes.Add(t);
            foreach (W.ObjectTree c in t.Children)
            {
                Collect(c);
            }
        }

        Collect(reply.Tree);
        W.ObjectTree node = nodes[rng.Next(nodes.Count)];
        switch (rng.Next(6))
        {
            case 0 when node.Children.Count > 0:
                node.Children.RemoveAt(rng.Next(node.Children.Count));
                return "a child dropped";
            case 1 when node.Children.Count > 0:
                node.Children.Add(node.Children[rng.Next(node.Children.Count)].Clone());
                return "a child repeated";
            case 2:
                int junk = rng.Next(3) switch { 0 => 1, 1 => 50, _ => 5000 };
                for (int i = 0; i < junk; i++)
                {
                    node.Children.Add(new W.ObjectTree { ObjectId = RandomHex(rng, 64) });
                }

                return $"{junk} junk ids added";
            case 3:
                W.ObjectTree deep = node;
                for (int i = 0; i < 90; i++)
                {
                    var next = new W.ObjectTree { ObjectId = RandomHex(rng, 64) };
                    deep.Children.Add(next);
                    deep = next;
                }

                return "a chain 90 deep";
            case 4:
                reply.Tree.ObjectId = RandomHex(rng, 64);
                return "root replaced";
            default:
                node.Children.Add(new W.ObjectTree { ObjectId = reply.Tree.ObjectId });
                return "the root as a child";
        }
    }

    private static string? MutateChunkList(FuzzReply reply, Random rng) => EditArrayJson(reply, rng, (dtype, shape, stype, chunks, children) =>
    {
        (int[] List, string How) edited = rng.Next(7) switch
        {
            0 => ([], "no chunks"),
            1 => ([.. Enumerable.Repeat(0, 2 + rng.Next(10_000))], "chunk 0 repeated"),
            2 => ([.. chunks, children], "an index past the children"),
            3 => ([-1], "a negative index"),
            4 => ([.. chunks, .. chunks], "the list twice"),
            5 => ([.. chunks.Reverse()], "reversed"),
            _ => ([.. chunks.Select(_ => children - 1)], "every chunk the last child"),
        };
        (int[] list, string how) = edited;
        return (dtype, shape, stype, list, how);
    });

    private static string? MutateArrayHeader(FuzzReply reply, Random rng) => EditArrayJson(reply, rng, (dtype, shape, stype, chunks, _) =>
    {
        string[] dtypes = ["float32", "float64", "int64", "complex128", "object", string.Empty, "bool", "uint8"];
        int[][] shapes = [[-1], [0], [int.MaxValue], [int.MaxValue, int.MaxValue], [.. Enumerable.Repeat(1, 100)], [], [1 << 20, 1 << 20, 4]];
        return rng.Next(3) switch
        {
            0 => (dtypes[rng.Next(dtypes.Length)], shape, stype, chunks, "dtype"),
            1 => (dtype, shapes[rng.Next(shapes.Length)], stype, chunks, "shape"),
            _ => (dtype, shape, rng.Next(2) == 0 ? "torch.Tensor" : string.Empty, chunks, "stype"),
        };
    });

    private static string? EditArrayJson(FuzzReply reply, Random rng, Func<string, int[], string, int[], int, (string, int[], string, int[], string)> edit)
    {
        string? id = Pick(reply, rng, t => t == "Array");
        if (id is null || Split(reply.Contents[id]) is not { } s)
        {
            return null;
        }

        (string, int[], string, int[]) parsed;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(s.Body);
            var root = doc.RootElement;
            parsed = (root.GetProperty("dtype").GetString() ?? string.Empty, [.. root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())],
                root.GetProperty("stype").GetString() ?? string.Empty, [.. root.GetProperty("arraychunk_ids").EnumerateArray().Select(e => e.GetInt32())]);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null; // an earlier mutation of this case broke the body already
        }

        (string dtype, int[] shape, string stype, int[] chunks, string how) = edit(parsed.Item1, parsed.Item2, parsed.Item3, parsed.Item4, s.Children.Count);
        byte[] body = PythonJson.ArrayBody(dtype, shape, stype, chunks);
        if (rng.Next(8) == 0)
        {
            body = Encoding.ASCII.GetBytes(rng.Next(3) switch
            {
                0 => "{\"dtype\": \"float32\", \"shape\": [1.5], \"stype\": \"numpy.ndarray\", \"arraychunk_ids\": [0]}",
                1 => "{\"dtype\": \"float32\", \"shape\": [4], \"stype\": \"numpy.ndarray\", \"arraychunk_ids\": [2147483648]}",
                _ => "{\"dtype\": null, \"shape\": \"4\", \"arraychunk_ids\": {}}",
            });
            how = "JSON of the wrong types";
        }

        reply.Contents[id] = Join(s.Type, s.Children, body);
        return how;
    }

    private static string? MutateNpyHeader(FuzzReply reply, Random rng)
    {
        string? id = reply.Contents.Where(c => Split(c.Value) is { Type: "ArrayChunk" } s && s.Body.AsSpan().StartsWith(NpyCodec.Magic)).Select(c => c.Key)
            .Order(StringComparer.Ordinal).Skip(rng.Next(4)).FirstOrDefault();
        if (id is null || Split(reply.Contents[id]) is not { } chunk)
        {
            return null;
        }

        byte[] body = chunk.Body;
        int at = rng.Next(Math.Min(body.Length, 128));
        body[at] = rng.Next(3) switch { 0 => (byte)rng.Next(256), 1 => (byte)'9', _ => (byte)' ' };
        reply.Contents[id] = Join("ArrayChunk", [], body);
        return $"NPY byte {at}";
    }

    private static string? MutateRecordMap(FuzzReply reply, Random rng)
    {
        string? id = Pick(reply, rng, t => t is "RecordDict" or "ArrayRecord");
        if (id is null || Split(reply.Contents[id]) is not { } s)
        {
            return null;
        }

        string first = s.Children.Count > 0 ? s.Children[0] : RandomHex(rng, 64);
        (string json, string how) = rng.Next(8) switch
        {
            0 => ("{}", "empty map"),
            1 => ("[]", "a list"),
            2 => ($"{{\"a\": \"{first}\", \"a\": \"{first}\"}}", "a name twice"),
            3 => ("{\"a\": 1}", "a number for an id"),
            4 => ($"{{\"{new string('n', 100_000)}\": \"{first}\"}}", "a 100,000-character name"),
            5 => ($"{{\"a\": \"{RandomHex(rng, 64)}\"}}", "an id that is not a child"),
            6 => ("null", "null"),
            _ => ("{\"a\": \"\\ud800\"}", "a lone surrogate"),
        };
        reply.Contents[id] = Join(s.Type, s.Children, Encoding.UTF8.GetBytes(json));
        return how;
    }

    private static string? MutateRecordContent(FuzzReply reply, Random rng)
    {
        string? id = Pick(reply, rng, t => t is "ConfigRecord" or "MetricRecord");
        if (id is null || Split(reply.Contents[id]) is not { } s)
        {
            return null;
        }

        byte[] body;
        string how;
        switch (rng.Next(4))
        {
            case 0:
                body = s.Body[..rng.Next(s.Body.Length + 1)];
                how = "truncated";
                break;
            case 1:
                body = [.. s.Body, .. Enumerable.Range(0, 1 + rng.Next(16)).Select(_ => (byte)rng.Next(256))];
                how = "random bytes appended";
                break;
            case 2 when s.Type == "MetricRecord":
                var metric = new W.MetricRecord();
                double[] odd = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.MaxValue];
                metric.Items.Add(new W.MetricRecord.Types.Item { Key = RecordKeys.NumExamples, Value = rng.Next(3) switch
                {
                    0 => new W.MetricRecordValue { Double = odd[rng.Next(odd.Length)] },
                    1 => new W.MetricRecordValue { Uint64 = ulong.MaxValue },
                    _ => new W.MetricRecordValue { DoubleList = new W.DoubleList { Vals = { Enumerable.Repeat(1.0, rng.Next(100_000)) } } },
                } });
                int extra = rng.Next(4);
                metric.Items.Add(new W.MetricRecord.Types.Item { Key = extra == 0 ? " " : "loss", Value = new W.MetricRecordValue { Sint64 = long.MinValue } });
                if (extra == 1)
                {
                    metric.Items.Add(new W.MetricRecord.Types.Item { Key = "loss", Value = new W.MetricRecordValue { Double = 1 } });
                }
                else if (extra == 2)
                {
                    metric.Items.Add(new W.MetricRecord.Types.Item { Key = "empty", Value = new W.MetricRecordValue() });
                }

                body = metric.ToByteArray();
                how = "odd values" + (extra switch { 0 => ", a blank name", 1 => ", a name twice", 2 => ", an empty value", _ => string.Empty });
                break;
            default:
                var config = new W.ConfigRecord();
                config.Items.Add(new W.ConfigRecord.Types.Item { Key = "s", Value = new W.ConfigRecordValue { String = new string('x', rng.Next(100_000)) } });
                config.Items.Add(new W.ConfigRecord.Types.Item { Key = "b", Value = new W.ConfigRecordValue { BytesList = new W.BytesList { Vals = { ByteString.CopyFrom(new byte[rng.Next(1000)]) } } } });
                config.Items.Add(new W.ConfigRecord.Types.Item { Key = string.Empty, Value = new W.ConfigRecordValue { Bool = true } });
                config.Items.Add(new W.ConfigRecord.Types.Item { Key = RecordKeys.NumExamples, Value = new W.ConfigRecordValue { StringList = new W.StringList { Vals = { "1", "2" } } } });
                body = config.ToByteArray();
                how = "config values in a " + s.Type;
                break;
        }

        reply.Contents[id] = Join(s.Type, s.Children, body);
        return how;
    }

    private static string? MutateMetadata(FuzzReply reply, Random rng)
    {
        string? id = Pick(reply, rng, t => t == "Message");
        if (id is null || Split(reply.Contents[id]) is not { } s)
        {
            return null;
        }

        W.Message message;
        try
        {
            message = W.Message.Parser.ParseFrom(s.Body);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }

        W.Metadata m = message.Metadata ??= new W.Metadata();
        W.Metadata wire = reply.Message.Metadata;
        double[] odd = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1, 0, 1e308];
        string how;
        switch (rng.Next(8))
        {
            case 0:
                m.Ttl = wire.Ttl = odd[rng.Next(odd.Length)];
                how = "ttl";
                break;
            case 1:
                m.CreatedAt = wire.CreatedAt = odd[rng.Next(odd.Length)];
                how = "created_at";
                break;
            case 2:
                m.MessageType = wire.MessageType = rng.Next(2) == 0 ? string.Empty : new string('t', 10_000);
                how = "message_type";
                break;
            case 3:
                m.ReplyToMessageId = wire.ReplyToMessageId = RandomHex(rng, 64);
                how = "reply_to_message_id";
                break;
            case 4:
                m.SrcNodeId = wire.SrcNodeId = (ulong)rng.NextInt64();
                how = "src_node_id";
                break;
            case 5:
                message.Error = new W.Error { Code = -1, Reason = new string('r', 1000) };
                wire.RunId = m.RunId = (ulong)rng.NextInt64();
                how = "an error beside the content, another run";
                break;
            case 6:
                message.Metadata = null;
                how = "no metadata in the Message object";
                break;
            default:
                reply.Message.Metadata.MessageId = RandomHex(rng, 64);
                return "message_id differs from the tree's root";
        }

        reply.Contents[id] = Join(s.Type, s.Children, message.ToByteArray());
        return how;
    }

    private static string? MutateBytes(FuzzReply reply, Random rng)
    {
        string? id = Pick(reply, rng, t => t != "ArrayChunk" || rng.Next(3) == 0);
        if (id is null)
        {
            return null;
        }

        byte[] bytes = (byte[])reply.Contents[id].Clone();
        int flips = 1 + rng.Next(8);
        for (int i = 0; i < flips; i++)
        {
            bytes[rng.Next(bytes.Length)] ^= (byte)(1 + rng.Next(255));
        }

        reply.Contents[id] = bytes;
        return $"{flips} bytes flipped";
    }

    // ---- running cases --------------------------------------------------------------------------------------------------

    /// <summary>A campaign's counters and findings.</summary>
    private sealed class Campaign(FleetFuzzOptions options)
    {
        public long Cases { get; private set; }

        public long Accepted { get; private set; }

        public long Refused { get; private set; }

        public long WireCases { get; private set; }

        public long FindingCases { get; private set; }

        public long PeakCaseAllocated { get; private set; }

        public Dictionary<string, FleetFuzzFinding> Findings { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> Statuses { get; } = new(StringComparer.Ordinal);

        public Dictionary<FleetMutationKind, long> RefusedByKind { get; } = Enum.GetValues<FleetMutationKind>().ToDictionary(k => k, _ => 0L);

        public void Record(FleetFuzzFinding finding)
        {
            FindingCases++;
            Findings.TryAdd(finding.Signature, finding);
        }

        /// <summary>What <see cref="FleetService"/> and <see cref="FleetFederation"/> do with a reply's objects, in process.</summary>
        public void Decode(long index, FuzzReply reply, FleetMutation[] mutations, ObjectBudget budget, ParameterLayout layout)
        {
            Cases++;
            long input = reply.Contents.Values.Sum(c => (long)c.Length);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                IReadOnlyList<string> ids = ObjectCodec.PostOrderIds(reply.Tree, budget.MaxObjects);
                if (ids.Count > budget.MaxObjects)
                {
                    throw FlowerProtocolException.OverBudget(reply.Tree.ObjectId, "too many objects");
                }

                var objects = new Dictionary<string, FlowerObject>(StringComparer.Ordinal);
                long bytes = 0;
                foreach (string id in ids)
                {
                    if (reply.Contents.TryGetValue(id, out byte[]? content))
                    {
                        bytes += content.Length;
                        objects[id] = bytes > budget.MaxBytes ? throw FlowerProtocolException.OverBudget(id, "too many bytes") : FlowerObject.Parse(content, id);
                    }
                }

                FlowerMessage message = ObjectCodec.Inflate(reply.Message.Metadata.MessageId, objects, budget);
                if (message.Content is { } content2)
                {
                    if (content2.TryGet(RecordKeys.Arrays, out ArrayRecord? arrays))
                    {
                        UpdateValidator.TryRead(arrays, layout, out _, out _);
                    }

                    FleetFederation.Read(content2);
                }

                Accepted++;
            }
            catch (FlowerProtocolException)
            {
                Refused++;
                RefusedByKind[mutations.Length > 0 ? mutations[0].Kind : FleetMutationKind.Bytes]++;
            }
            catch (Exception e)
            {
                Record(new FleetFuzzFinding("crash", ExceptionSignature.Of(e), index, "decode", mutations, e.ToString()));
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            PeakCaseAllocated = Math.Max(PeakCaseAllocated, allocated);
            long bound = (2 * Math.Min(budget.MaxBytes, 1L << 40)) + (8 * input) + options.AllocationSlack;
            if (allocated > bound)
            {
                Record(new FleetFuzzFinding("allocation", $"allocation after {mutations.FirstOrDefault()?.Kind}", index, "decode", mutations,
                    FormattableString.Invariant($"allocated {allocated:N0} bytes for a {input:N0}-byte reply; bound {bound:N0}.")));
            }
        }

        /// <summary>Sends mutated replies to a real Fleet server over loopback: register once, then per case an instruction, a pull, a push and the uploads.</summary>
        public async Task WireAsync(ParameterSet model, CancellationToken ct)
        {
            var fleet = new FleetService(new FleetServiceOptions { MaxConcurrentReplies = 1, UploadIdleTimeout = TimeSpan.FromSeconds(5) });
            fleet.StartRun(RunId);
            var (app, address) = await FlowerServerHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), null, fleet, null, ct).ConfigureAwait(false);
            await using (app.ConfigureAwait(false))
            {
                using var channel = FlowerChannel.Create(address);
                using var identity = NodeIdentity.Create();
                ulong nodeId = await new FlowerNode(channel.CreateCallInvoker(), identity, new SyntheticUpdateApp(0, 1), address.ToString()).RegisterAsync(ct).ConfigureAwait(false);
                var client = new W.Fleet.FleetClient(channel);
                var node = new W.Node { NodeId = nodeId };
                Metadata Signed() => AuthMetadata.Create(identity, DateTimeOffset.UtcNow);
                var instructionContent = new RecordDict { { RecordKeys.Arrays, model.ToArrayRecord() } };
                for (long i = 0; i < options.WireCases && !ct.IsCancellationRequested; i++)
                {
                    WireCases++;
                    string instructionId = fleet.SendInstruction(nodeId, RunId, "train", instructionContent);
                    var rng = CaseRandom(options.Seed ^ 0xF1EE7UL, i);
                    FleetMutation[] mutations = [];
                    string call = "PullMessages";
                    try
                    {
                        W.PullMessagesResponse pulled = await client.PullMessagesAsync(new W.PullMessagesRequest { Node = node }, Signed(), cancellationToken: ct).ConfigureAwait(false);
                        W.Metadata meta = pulled.MessagesList[0].Metadata;
                        FuzzReply[] seeds = Replies(meta, model);
                        FuzzReply reply = seeds[rng.Next(seeds.Length)];
                        mutations = Mutate(reply, rng);
                        call = "PushMessages";
                        var push = new W.PushMessagesRequest { Node = node, MessagesList = { reply.Message }, MessageObjectTrees = { reply.Tree } };
                        W.PushMessagesResponse pushed = await client.PushMessagesAsync(push, Signed(), cancellationToken: ct).ConfigureAwait(false);
                        Count(StatusCode.OK);
                        call = "PushObject";
                        foreach (string id in pushed.ObjectsToPush)
                        {
                            if (reply.Contents.TryGetValue(id, out byte[]? content))
                            {
                                try
                                {
                                    await client.PushObjectAsync(new W.PushObjectRequest { Node = node, RunId = RunId, ObjectId = id, ObjectContent = ByteString.CopyFrom(content) },
                                        Signed(), cancellationToken: ct).ConfigureAwait(false);
                                    Count(StatusCode.OK);
                                }
                                catch (RpcException e) when (RefusalStatuses.Contains(e.StatusCode))
                                {
                                    Count(e.StatusCode);
                                }
                            }
                        }

                        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        wait.CancelAfter(TimeSpan.FromSeconds(2));
                        try
                        {
                            await fleet.WaitForReplyAsync(instructionId, wait.Token).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is FlowerProtocolException or ReplyRefusedException or OperationCanceledException)
                        {
                            // refused, or incomplete (objects withheld by the mutation): both are what a server may do
                        }

                        call = "SendNodeHeartbeat";
                        await client.SendNodeHeartbeatAsync(new W.SendNodeHeartbeatRequest { Node = node, HeartbeatInterval = 30 }, Signed(), cancellationToken: ct).ConfigureAwait(false);
                    }
                    catch (RpcException e)
                    {
                        Count(e.StatusCode);
                        if (!RefusalStatuses.Contains(e.StatusCode) || call == "SendNodeHeartbeat")
                        {
                            Record(new FleetFuzzFinding("status", $"{call} answered {e.StatusCode}", i, "wire", mutations, e.Status.Detail));
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        Record(new FleetFuzzFinding("crash", ExceptionSignature.Of(e), i, "wire", mutations, e.ToString()));
                    }
                    finally
                    {
                        fleet.Forget(instructionId);
                    }
                }
            }
        }

        private void Count(StatusCode status)
        {
            string key = status.ToString();
            Statuses[key] = Statuses.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>The highest managed heap size seen while it runs, above its level at the start, sampled every millisecond on its own thread.</summary>
    private sealed class PeakSampler : IDisposable
    {
        private readonly Thread _thread;
        private readonly long _base = GC.GetTotalMemory(forceFullCollection: true);
        private volatile bool _stop;
        private long _peak;

        public PeakSampler()
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    long now = GC.GetTotalMemory(false) - _base;
                    if (now > Interlocked.Read(ref _peak))
                    {
                        Interlocked.Exchange(ref _peak, now);
                    }

                    Thread.Sleep(1);
                }
            }) { IsBackground = true, Name = "fleet-fuzz-peak" };
            _thread.Start();
        }

        public long Peak => Interlocked.Read(ref _peak);

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }
    }
}
