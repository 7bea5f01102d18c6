using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flip.Cli.Tests;

/// <summary>A long-running <c>flip-research</c> process (serve, client) whose stdout and stderr are kept whole, for tests that run several at once.</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _open = 2;

    private NodeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Everything the process printed so far (stdout and stderr lines, interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    public static NodeProcess Start(params string[] args) => StartWith(new Dictionary<string, string>(), args);

    public static NodeProcess StartWith(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(Process.Start(CliProcess.StartInfo(args, environment))!);

    /// <summary>Any program (a Python peer of the interop tests), its output kept as a CLI process's is.</summary>
    public static NodeProcess Of(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return new(Process.Start(start)!);
    }

    /// <summary>Waits until the output holds <paramref name="text"/>; false when the process exited first or the backstop passed.</summary>
    public async Task<bool> WaitForTextAsync(string text, TimeSpan backstop)
    {
        DateTime until = DateTime.UtcNow + backstop;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > until)
            {
                return Output.Contains(text, StringComparison.Ordinal);
            }

            await Task.Delay(200);
        }

        return true;
    }

    /// <summary>Waits for the exit and for the last output line; a backstop against a hang, not a speed check.</summary>
    public async Task<bool> WaitAsync(TimeSpan backstop)
    {
        if (!_process.WaitForExit(backstop))
        {
            return false;
        }

        await _closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return true;
    }

    /// <summary>Kills the process and its children now (a crash, as far as its peers can tell); the output stays readable.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _open) == 0)
            {
                _closed.TrySetResult();
            }

            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
