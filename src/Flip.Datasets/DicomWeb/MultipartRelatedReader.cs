using System.Text;

namespace Flip.Datasets.DicomWeb;

/// <summary>Reads a <c>multipart/related</c> body (RFC 2387, RFC 2046 §5.1) part by part from a stream, holding at most one buffer of it in memory.</summary>
/// <remarks>
/// A WADO-RS series response can be gigabytes; each part is copied to its destination as it
/// arrives. Parts are delimited by CRLF + <c>--boundary</c>; a part's own <c>Content-Length</c>
/// is not relied on (it is optional in PS3.18). A body that ends before the closing delimiter
/// throws <see cref="IOException"/>, which callers treat as a dropped connection.
/// </remarks>
internal sealed class MultipartRelatedReader
{
    private const int BufferSize = 128 * 1024;
    private readonly Stream _body;
    private readonly byte[] _firstDelimiter;
    private readonly byte[] _delimiter;
    private readonly TimeSpan _readTimeout;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _started;
    private bool _inBody;
    private bool _finished;

    public MultipartRelatedReader(Stream body, string boundary, TimeSpan readTimeout)
    {
        _body = body;
        _firstDelimiter = Encoding.ASCII.GetBytes("--" + boundary);
        _delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        _readTimeout = readTimeout;
        _buffer = new byte[BufferSize + _delimiter.Length];
    }

    /// <summary>Moves to the next part and returns its headers (names lower-case), or null after the closing delimiter.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> ReadNextPartAsync(CancellationToken ct)
    {
        if (_finished) return null;
        if (_inBody) await CopyPartAsync(Stream.Null, ct).ConfigureAwait(false);
        if (!_started)
        {
            // Skip the preamble up to the first "--boundary".
            while (true)
            {
                int at = _buffer.AsSpan(_start, _end - _start).IndexOf(_firstDelimiter);
                if (at >= 0)
                {
                    _start += at + _firstDelimiter.Length;
                    break;
                }

                _start = Math.Max(_start, _end - _firstDelimiter.Length);
                if (!await FillAsync(ct).ConfigureAwait(false)) throw Truncated("before the first boundary");
            }

            _started = true;
        }

        // After a delimiter: "--" closes the body; otherwise optional padding, CRLF, headers, empty line.
        while (_end - _start < 2)
        {
            if (!await FillAsync(ct).ConfigureAwait(false)) throw Truncated("after a boundary");
        }

        if (_buffer[_start] == '-' && _buffer[_start + 1] == '-')
        {
            _finished = true;
            return null;
        }

        await ReadLineAsync(ct).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            string line = await ReadLineAsync(ct).ConfigureAwait(false);
            if (line.Length == 0) break;
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        _inBody = true;
        return headers;
    }

    /// <summary>Copies the current part's body to <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes copied.</returns>
    public async Task<long> CopyPartAsync(Stream destination, CancellationToken ct)
    {
        if (!_inBody) throw new InvalidOperationException("no part is open; call ReadNextPartAsync first.");
        long copied = 0;
        while (true)
        {
            int at = _buffer.AsSpan(_start, _end - _start).IndexOf(_delimiter);
            if (at >= 0)
            {
                await destination.WriteAsync(_buffer.AsMemory(_start, at), ct).ConfigureAwait(false);
                copied += at;
                _start += at + _delimiter.Length;
                _inBody = false;
                return copied;
            }

            // Keep a tail that may be the start of the delimiter.
            int safe = Math.Max(0, _end - _start - (_delimiter.Length - 1));
            if (safe > 0)
            {
                await destination.WriteAsync(_buffer.AsMemory(_start, safe), ct).ConfigureAwait(false);
                copied += safe;
                _start += safe;
            }

            if (!await FillAsync(ct).ConfigureAwait(false)) throw Truncated($"inside a part after {copied:N0} bytes");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            int at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                string line = Encoding.ASCII.GetString(_buffer, _start, at);
                _start += at + 2;
                return line;
            }

            if (_end - _start >= BufferSize) throw new IOException("multipart body: a part header line is longer than 128 KiB.");
            if (!await FillAsync(ct).ConfigureAwait(false)) throw Truncated("inside part headers");
        }
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_eof) return false;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(_readTimeout);
        int read;
        try
        {
            read = await _body.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IOException($"no data arrived for {_readTimeout.TotalSeconds:0.#} s; the connection looks dead.");
        }

        if (read == 0)
        {
            _eof = true;
            return false;
        }

        _end += read;
        return true;
    }

    private static IOException Truncated(string where) =>
        new($"multipart body ended {where}, before its closing boundary (connection cut?).");
}
