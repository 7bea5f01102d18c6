using Flip.Flower.Npy;
using Flip.Flower.Wire;
using Google.Protobuf;

namespace Flip.Flower.Tests.Wire;

/// <summary>The legacy grpc-bidi messages serialised by real Flower 1.27.0 (flower-vectors/legacy).</summary>
public sealed class LegacyVectorTests
{
    private static readonly byte[] NpyA = Vectors.Read("npy/a_2x2_float32.npy");
    private static readonly byte[] NpyB = Vectors.Read("npy/b_1_float32.npy");

    private static void AssertParametersP(Parameters p)
    {
        Assert.Equal("numpy.ndarray", p.TensorType);
        Assert.Equal(2, p.Tensors.Count);
        Assert.Equal(NpyA, p.Tensors[0].ToByteArray());
        Assert.Equal(NpyB, p.Tensors[1].ToByteArray());
        Assert.Equal([1f, 2f, 3f, 4f], NpyCodec.Decode(p.Tensors[0].Span).ToArray<float>());
    }

    private static void AssertOk(Status s)
    {
        Assert.Equal(Code.Ok, s.Code);
        Assert.Equal("Success", s.Message);
    }

    private static T ParseAndCheckBytes<T>(MessageParser<T> parser, string file, int size)
        where T : IMessage<T>
    {
        byte[] bytes = Vectors.Read("legacy/" + file);
        Assert.Equal(size, bytes.Length);
        T message = parser.ParseFrom(bytes);

        // Google.Protobuf keeps map entries in parse order, so the Python wire order comes back.
        Assert.Equal(bytes, message.ToByteArray());
        return message;
    }

    [Fact]
    public void Server_fit_ins_holds_parameters_and_typed_config()
    {
        ServerMessage m = ParseAndCheckBytes(ServerMessage.Parser, "server_fit_ins.bin", 358);

        Assert.Equal(ServerMessage.MsgOneofCase.FitIns, m.MsgCase);
        AssertParametersP(m.FitIns.Parameters);
        Assert.Equal(["lr", "name", "local_epochs"], m.FitIns.Config.Keys);
        Assert.Equal(0.01, m.FitIns.Config["lr"].Double);
        Assert.Equal("site-a", m.FitIns.Config["name"].String);
        Assert.Equal(Scalar.ScalarOneofCase.Sint64, m.FitIns.Config["local_epochs"].ScalarCase);
        Assert.Equal(2, m.FitIns.Config["local_epochs"].Sint64);
    }

    [Fact]
    public void Client_fit_res_holds_status_parameters_count_and_metrics()
    {
        ClientMessage m = ParseAndCheckBytes(ClientMessage.Parser, "client_fit_res.bin", 335);

        Assert.Equal(ClientMessage.MsgOneofCase.FitRes, m.MsgCase);
        AssertOk(m.FitRes.Status);
        AssertParametersP(m.FitRes.Parameters);
        Assert.Equal(42, m.FitRes.NumExamples);
        Assert.Single(m.FitRes.Metrics);
        Assert.Equal(0.25, m.FitRes.Metrics["loss"].Double);
    }

    [Fact]
    public void Server_evaluate_ins_holds_parameters_and_server_round()
    {
        ServerMessage m = ParseAndCheckBytes(ServerMessage.Parser, "server_evaluate_ins.bin", 323);

        Assert.Equal(ServerMessage.MsgOneofCase.EvaluateIns, m.MsgCase);
        AssertParametersP(m.EvaluateIns.Parameters);
        Assert.Single(m.EvaluateIns.Config);
        Assert.Equal(3, m.EvaluateIns.Config["server_round"].Sint64);
    }

    [Fact]
    public void Client_evaluate_res_holds_a_float32_loss()
    {
        ClientMessage m = ParseAndCheckBytes(ClientMessage.Parser, "client_evaluate_res.bin", 43);

        Assert.Equal(ClientMessage.MsgOneofCase.EvaluateRes, m.MsgCase);
        AssertOk(m.EvaluateRes.Status);
        Assert.Equal(0.125f, m.EvaluateRes.Loss);
        Assert.Equal(42, m.EvaluateRes.NumExamples);
        Assert.Equal(0.875, m.EvaluateRes.Metrics["accuracy"].Double);
    }

    [Fact]
    public void Server_get_parameters_ins_is_an_empty_config()
    {
        ServerMessage m = ParseAndCheckBytes(ServerMessage.Parser, "server_get_parameters_ins.bin", 2);

        Assert.Equal(ServerMessage.MsgOneofCase.GetParametersIns, m.MsgCase);
        Assert.Empty(m.GetParametersIns.Config);
        Assert.Equal([0x1A, 0x00], m.ToByteArray());
    }

    [Fact]
    public void Client_get_parameters_res_holds_parameters()
    {
        ClientMessage m = ParseAndCheckBytes(ClientMessage.Parser, "client_get_parameters_res.bin", 314);

        Assert.Equal(ClientMessage.MsgOneofCase.GetParametersRes, m.MsgCase);
        AssertOk(m.GetParametersRes.Status);
        AssertParametersP(m.GetParametersRes.Parameters);
    }

    [Fact]
    public void Server_get_properties_ins_holds_a_string_config()
    {
        ServerMessage m = ParseAndCheckBytes(ServerMessage.Parser, "server_get_properties_ins.bin", 18);

        Assert.Equal(ServerMessage.MsgOneofCase.GetPropertiesIns, m.MsgCase);
        Assert.Single(m.GetPropertiesIns.Config);
        Assert.Equal("site", m.GetPropertiesIns.Config["want"].String);
    }

    [Fact]
    public void Client_get_properties_res_keeps_uint64_apart_from_sint64()
    {
        ClientMessage m = ParseAndCheckBytes(ClientMessage.Parser, "client_get_properties_res.bin", 77);

        Assert.Equal(ClientMessage.MsgOneofCase.GetPropertiesRes, m.MsgCase);
        AssertOk(m.GetPropertiesRes.Status);
        var p = m.GetPropertiesRes.Properties;
        Assert.Equal(["blob", "big", "flag", "site"], p.Keys);
        Assert.Equal([0x00, 0x01], p["blob"].Bytes.ToByteArray());
        Assert.Equal(Scalar.ScalarOneofCase.Uint64, p["big"].ScalarCase);
        Assert.Equal(9223372036854775808UL, p["big"].Uint64);
        Assert.Equal(Scalar.ScalarOneofCase.Bool, p["flag"].ScalarCase);
        Assert.True(p["flag"].Bool);
        Assert.Equal("site-a", p["site"].String);
    }

    [Fact]
    public void Server_reconnect_ins_has_no_seconds()
    {
        ServerMessage m = ParseAndCheckBytes(ServerMessage.Parser, "server_reconnect_ins.bin", 2);

        Assert.Equal(ServerMessage.MsgOneofCase.ReconnectIns, m.MsgCase);
        Assert.Equal(0, m.ReconnectIns.Seconds);
        Assert.Equal([0x0A, 0x00], m.ToByteArray());
    }

    [Fact]
    public void Client_disconnect_res_gives_reason_reconnect()
    {
        ClientMessage m = ParseAndCheckBytes(ClientMessage.Parser, "client_disconnect_res.bin", 4);

        Assert.Equal(ClientMessage.MsgOneofCase.DisconnectRes, m.MsgCase);
        Assert.Equal(Reason.Reconnect, m.DisconnectRes.Reason);
    }

    [Fact]
    public void Client_fit_res_not_implemented_carries_only_the_status()
    {
        ClientMessage m = ParseAndCheckBytes(ClientMessage.Parser, "client_fit_res_not_implemented.bin", 39);

        Assert.Equal(ClientMessage.MsgOneofCase.FitRes, m.MsgCase);
        Assert.Equal(Code.FitNotImplemented, m.FitRes.Status.Code);
        Assert.Equal("Client does not implement `fit`", m.FitRes.Status.Message);
        Assert.Null(m.FitRes.Parameters);
        Assert.Equal(0, m.FitRes.NumExamples);
        Assert.Empty(m.FitRes.Metrics);
    }

    [Fact]
    public void A_fit_ins_built_in_another_map_order_equals_the_vector_as_a_dictionary()
    {
        ServerMessage vector = ServerMessage.Parser.ParseFrom(Vectors.Read("legacy/server_fit_ins.bin"));
        var built = new ServerMessage
        {
            FitIns = new ServerMessage.Types.FitIns
            {
                Parameters = new Parameters { TensorType = "numpy.ndarray", Tensors = { ByteString.CopyFrom(NpyA), ByteString.CopyFrom(NpyB) } },
                Config =
                {
                    ["local_epochs"] = new Scalar { Sint64 = 2 },
                    ["name"] = new Scalar { String = "site-a" },
                    ["lr"] = new Scalar { Double = 0.01 },
                },
            },
        };

        // Python's map order is arbitrary: equal as messages (maps compare as dictionaries),
        // same length, not necessarily the same bytes.
        Assert.Equal(vector, built);
        Assert.Equal(vector.CalculateSize(), built.CalculateSize());
    }
}
