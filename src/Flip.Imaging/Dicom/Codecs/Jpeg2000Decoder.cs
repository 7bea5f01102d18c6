using System.Runtime.InteropServices;

namespace Flip.Imaging.Dicom;

/// <summary>
/// JPEG 2000 (ISO 15444-1; DICOM's 1.2.840.10008.1.2.4.90 and .91) through OpenJPEG, the reference codec that
/// pydicom uses by way of Pillow: Debian's <c>libopenjp2-7</c> (<c>libopenjp2.so.7</c>), called by P/Invoke.
/// </summary>
/// <remarks>
/// The code stream is read from memory through OpenJPEG's user stream callbacks; a raw code stream (FF 4F FF 51)
/// is decoded as J2K, a JP2 file (signature box, as some writers wrongly encapsulate) as JP2. The header is read
/// first and refused when its size or component count differs from what the dataset says, before the decoder
/// allocates anything for the image. Components are returned at full resolution with OpenJPEG's inverse
/// multi-component transform applied (YBR_RCT/YBR_ICT decode to RGB). Every native object is destroyed in
/// <c>finally</c> blocks. OpenJPEG runs on one thread.
/// </remarks>
internal static class Jpeg2000Decoder
{
    /// <summary>The shared object this decoder loads.</summary>
    public const string Library = "libopenjp2.so.7";

    private const int CodecJ2k = 0, CodecJp2 = 2;

    /// <summary>One decoded frame.</summary>
    /// <param name="Planes">One array per component, rows × columns values, row by row.</param>
    /// <param name="Precision">The largest component precision in bits.</param>
    /// <param name="Signed">True when the code stream says the components are signed.</param>
    public readonly record struct Frame(int[][] Planes, int Precision, bool Signed);

    /// <summary>Decodes one frame.</summary>
    /// <param name="data">The code stream (or JP2 file) of the frame.</param>
    /// <param name="rows">Rows the dataset says.</param>
    /// <param name="columns">Columns the dataset says.</param>
    /// <param name="components">Samples per Pixel the dataset says.</param>
    /// <param name="corrupt">Builds the exception for a corrupt or inconsistent code stream.</param>
    /// <param name="missing">Builds the exception for a missing OpenJPEG library.</param>
    /// <returns>The component planes.</returns>
    public static Frame Decode(byte[] data, int rows, int columns, int components, Func<string, Exception> corrupt, Func<Exception, Exception> missing)
    {
        bool jp2 = data.Length >= 12 && data.AsSpan(0, 12).SequenceEqual(Jp2Signature);
        bool j2k = data.Length >= 4 && data[0] == 0xFF && data[1] == 0x4F && data[2] == 0xFF && data[3] == 0x51;
        if (!jp2 && !j2k) throw corrupt("the frame starts neither with a JPEG 2000 code stream (SOC FF 4F, SIZ FF 51) nor with a JP2 signature box");
        var source = new Source(data);
        var handle = GCHandle.Alloc(source);
        IntPtr stream = IntPtr.Zero, codec = IntPtr.Zero, image = IntPtr.Zero, parameters = IntPtr.Zero;
        try
        {
            try
            {
                stream = Native.opj_stream_create((nuint)Math.Min(data.Length, 1 << 20), 1);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                throw missing(e);
            }
            if (stream == IntPtr.Zero) throw corrupt("OpenJPEG could not create a stream");
            Native.opj_stream_set_read_function(stream, s_read);
            Native.opj_stream_set_skip_function(stream, s_skip);
            Native.opj_stream_set_seek_function(stream, s_seek);
            Native.opj_stream_set_user_data(stream, GCHandle.ToIntPtr(handle), IntPtr.Zero);
            Native.opj_stream_set_user_data_length(stream, (ulong)data.Length);

            codec = Native.opj_create_decompress(jp2 ? CodecJp2 : CodecJ2k);
            if (codec == IntPtr.Zero) throw corrupt("OpenJPEG could not create a decoder");
            var user = GCHandle.ToIntPtr(handle);
            Native.opj_set_error_handler(codec, s_error, user);
            Native.opj_set_warning_handler(codec, s_ignore, IntPtr.Zero);
            Native.opj_set_info_handler(codec, s_ignore, IntPtr.Zero);
            // opj_dparameters_t is about 8.3 KB; OpenJPEG clears it and sets its defaults, which are what is wanted.
            parameters = Marshal.AllocHGlobal(ParametersSize);
            Native.opj_set_default_decoder_parameters(parameters);
            if (Native.opj_setup_decoder(codec, parameters) == 0) throw corrupt(source.Error("OpenJPEG refused the decoder setup"));
            if (Native.opj_read_header(stream, codec, out image) == 0 || image == IntPtr.Zero)
                throw corrupt(source.Error("the JPEG 2000 header cannot be read"));

            // Bound the decode by what the dataset says, before OpenJPEG allocates the image.
            var header = ImageHeader.Read(image);
            long width = (long)header.X1 - header.X0, height = (long)header.Y1 - header.Y0;
            if (width != columns || height != rows || header.Components != components)
                throw corrupt($"the JPEG 2000 header says {width}×{height} with {header.Components} components; the dataset says {columns}×{rows} with {components}");
            if (Native.opj_decode(codec, stream, image) == 0) throw corrupt(source.Error("the JPEG 2000 code stream cannot be decoded"));
            if (Native.opj_end_decompress(codec, stream) == 0) throw corrupt(source.Error("the JPEG 2000 code stream does not end properly"));

            var planes = new int[components][];
            int precision = 0;
            bool signed = false;
            for (int c = 0; c < components; c++)
            {
                var comp = Component.Read(header.Comps, c);
                if (comp.Dx != 1 || comp.Dy != 1 || comp.Width != columns || comp.Height != rows || comp.Data == IntPtr.Zero)
                    throw corrupt($"component {c} is {comp.Width}×{comp.Height} with subsampling {comp.Dx}×{comp.Dy}; expected {columns}×{rows} without subsampling");
                if (comp.Precision is < 1 or > 32) throw corrupt($"component {c} has a precision of {comp.Precision} bits; expected 1 to 32");
                precision = Math.Max(precision, comp.Precision);
                signed |= comp.Signed;
                planes[c] = new int[rows * columns];
                Marshal.Copy(comp.Data, planes[c], 0, rows * columns);
            }
            return new Frame(planes, precision, signed);
        }
        finally
        {
            if (image != IntPtr.Zero) Native.opj_image_destroy(image);
            if (codec != IntPtr.Zero) Native.opj_destroy_codec(codec);
            if (stream != IntPtr.Zero) Native.opj_stream_destroy(stream);
            if (parameters != IntPtr.Zero) Marshal.FreeHGlobal(parameters);
            handle.Free();
        }
    }

    /// <summary>Loads OpenJPEG and returns its version, or null with the reason when it cannot be loaded.</summary>
    /// <param name="reason">Why it could not be loaded.</param>
    /// <returns>The version, such as 2.5.0.</returns>
    public static string? TryGetVersion(out string? reason)
    {
        try
        {
            reason = null;
            return Marshal.PtrToStringUTF8(Native.opj_version());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            reason = e.Message;
            return null;
        }
    }

    private const int ParametersSize = 16 * 1024;

    private static ReadOnlySpan<byte> Jp2Signature => [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];

    /// <summary>The code stream being read, and OpenJPEG's last error message.</summary>
    private sealed class Source(byte[] data)
    {
        public byte[] Data { get; } = data;

        public long Position { get; set; }

        public string? LastError { get; set; }

        public string Error(string what) => LastError is null ? what : $"{what} (OpenJPEG: {LastError.Trim()})";
    }

    private static Source SourceOf(IntPtr user) => (Source)GCHandle.FromIntPtr(user).Target!;

    // The callbacks are static and kept in fields so the delegates outlive every native call.
    private static readonly Native.ReadFunction s_read = (buffer, count, user) =>
    {
        var s = SourceOf(user);
        long left = s.Data.Length - s.Position;
        if (left <= 0) return unchecked((nuint)(-1));
        int n = (int)Math.Min(left, (long)Math.Min(count, int.MaxValue));
        Marshal.Copy(s.Data, (int)s.Position, buffer, n);
        s.Position += n;
        return (nuint)n;
    };

    private static readonly Native.SkipFunction s_skip = (count, user) =>
    {
        var s = SourceOf(user);
        long target = Math.Clamp(s.Position + count, 0, s.Data.Length);
        long skipped = target - s.Position;
        s.Position = target;
        return skipped == 0 && count != 0 ? -1 : skipped;
    };

    private static readonly Native.SeekFunction s_seek = (offset, user) =>
    {
        var s = SourceOf(user);
        if (offset < 0 || offset > s.Data.Length) return 0;
        s.Position = offset;
        return 1;
    };

    private static readonly Native.MessageFunction s_error = (message, user) =>
    {
        if (user != IntPtr.Zero) SourceOf(user).LastError = Marshal.PtrToStringUTF8(message);
    };

    private static readonly Native.MessageFunction s_ignore = (_, _) => { };

    /// <summary>The fields of opj_image_t this decoder reads (OpenJPEG 2.x layout, 64-bit).</summary>
    private readonly record struct ImageHeader(uint X0, uint Y0, uint X1, uint Y1, int Components, IntPtr Comps)
    {
        public static ImageHeader Read(IntPtr image) => new(
            (uint)Marshal.ReadInt32(image, 0), (uint)Marshal.ReadInt32(image, 4), (uint)Marshal.ReadInt32(image, 8), (uint)Marshal.ReadInt32(image, 12),
            Marshal.ReadInt32(image, 16), Marshal.ReadIntPtr(image, 24));
    }

    /// <summary>The fields of opj_image_comp_t this decoder reads: dx, dy, w, h, x0, y0, prec, bpp, sgnd, resno_decoded, factor, data, alpha.</summary>
    private readonly record struct Component(int Dx, int Dy, int Width, int Height, int Precision, bool Signed, IntPtr Data)
    {
        private const int Size = 64;

        public static Component Read(IntPtr comps, int index)
        {
            IntPtr c = comps + index * Size;
            return new(Marshal.ReadInt32(c, 0), Marshal.ReadInt32(c, 4), Marshal.ReadInt32(c, 8), Marshal.ReadInt32(c, 12),
                Marshal.ReadInt32(c, 24), Marshal.ReadInt32(c, 32) != 0, Marshal.ReadIntPtr(c, 48));
        }
    }

    private static class Native
    {
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate nuint ReadFunction(IntPtr buffer, nuint count, IntPtr user);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate long SkipFunction(long count, IntPtr user);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate int SeekFunction(long offset, IntPtr user);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate void MessageFunction(IntPtr message, IntPtr user);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr opj_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr opj_stream_create(nuint bufferSize, int isInput);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void opj_stream_set_read_function(IntPtr stream, ReadFunction function);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void opj_stream_set_skip_function(IntPtr stream, SkipFunction function);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void opj_stream_set_seek_function(IntPtr stream, SeekFunction function);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void opj_stream_set_user_data(IntPtr stream, IntPtr data, IntPtr freeFunction);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void opj_stream_set_user_data_length(IntPtr stream, ulong length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void opj_stream_destroy(IntPtr stream);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr opj_create_decompress(int format);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void opj_destroy_codec(IntPtr codec);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int opj_set_error_handler(IntPtr codec, MessageFunction handler, IntPtr user);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int opj_set_warning_handler(IntPtr codec, MessageFunction handler, IntPtr user);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int opj_set_info_handler(IntPtr codec, MessageFunction handler, IntPtr user);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void opj_set_default_decoder_parameters(IntPtr parameters);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int opj_setup_decoder(IntPtr codec, IntPtr parameters);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int opj_read_header(IntPtr stream, IntPtr codec, out IntPtr image);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int opj_decode(IntPtr codec, IntPtr stream, IntPtr image);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int opj_end_decompress(IntPtr codec, IntPtr stream);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void opj_image_destroy(IntPtr image);
    }
}
