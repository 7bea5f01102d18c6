using CsCheck;
using Flip.Flower.Npy;
using Flip.Flower.Objects;
using Flip.Flower.Records;
using Google.Protobuf;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Tests.Objects;

public sealed class ObjectCodecPropertyTests
{
    private static readonly Gen<NpyArray> Arrays =
        Gen.Select(Gen.Int[0, 3].Array[0, 3], Gen.Int).Select((shape, seed) =>
        {
            long count = NpyArray.CountElements(shape);
            byte[] data = new byte[count * 4];
            new Random(seed).NextBytes(data);
            return NpyArray.Create(NpyDType.Float32, shape, data);
        });

    private static readonly Gen<RecordValue> ConfigValues = Gen.OneOf(
        Gen.Double.Select(RecordValue.Of),
        Gen.Long.Select(RecordValue.Of),
        Gen.ULong.Select(RecordValue.Of),
        Gen.Bool.Select(RecordValue.Of),
        Gen.String.Select(RecordValue.Of),
        Gen.Long.Array[0, 4].Select(v => RecordValue.OfList(v)));

    private static readonly Gen<RecordDict> Contents =
        Gen.Select(Arrays.Array[0, 4], ConfigValues.Array[0, 4], Gen.Double.Array[0, 3]).Select((arrays, config, metrics) =>
        {
            var content = new RecordDict();
            if (arrays.Length > 0)
            {
                content.Add("arrays", ArrayRecord.FromList(arrays));
            }

            var c = new ConfigRecord();
            for (int i = 0; i < config.Length; i++)
            {
                c.Add($"k{i}-é", config[i]);
            }

            content.Add("config", c);
            var m = new MetricRecord();
            for (int i = 0; i < metrics.Length; i++)
            {
                m.Add($"m{i}", RecordValue.Of(metrics[i]));
            }

            content.Add("metrics", m);
            return content;
        });

    [Fact]
    public void Deflate_inflate_deflate_gives_the_same_ids_and_bytes()
    {
        Contents.Sample(content =>
        {
            var message = new FlowerMessage(new W.Metadata { RunId = ulong.MaxValue, DstNodeId = 1, MessageType = "train", Ttl = 60, CreatedAt = 1767225600.25 }, content);

            DeflatedMessage first = ObjectCodec.Deflate(message);
            FlowerMessage back = ObjectCodec.Inflate(first.MessageId, first.Objects);
            DeflatedMessage second = ObjectCodec.Deflate(back);

            Assert.Equal(first.MessageId, second.MessageId);
            // ImmutableArray's own Equals compares array references; compare the elements.
            Assert.Equal(first.PostOrderIds.ToArray(), second.PostOrderIds.ToArray());
            Assert.Equal(first.MessageId, back.Metadata.MessageId);
            back.Metadata.MessageId = string.Empty;
            Assert.Equal(message.ToProtoWithContent().ToByteArray(), back.ToProtoWithContent().ToByteArray());
            Assert.All(first.Objects.Values, o => Assert.Equal(o.Id, FlowerObject.ComputeId(o.Content.Span)));
        }, iter: 200);
    }
}
