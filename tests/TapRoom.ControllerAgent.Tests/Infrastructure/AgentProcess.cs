using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace TapRoom.ControllerAgent.Tests.Infrastructure;

/// <summary>
/// The published agent (the Native AOT binary) as a separate process, set up through its environment as an operator
/// would (<c>Agent__X</c>), its simulated taps driven through standard input (<c>present N UID</c>, <c>remove N</c>),
/// its log read from standard output. The binary is <c>TAPROOM_AGENT_AOT</c> (./test.sh publishes it).
/// </summary>
public sealed partial class AgentProcess : IAsyncDisposable
{
    public const string BinaryVariable = "TAPROOM_AGENT_AOT";
    /// <summary>Runs the binary through this command, e.g. <c>qemu-aarch64 -L /usr/aarch64-linux-gnu</c> for the arm64 build.</summary>
    public const string RunnerVariable = "TAPROOM_AGENT_AOT_RUNNER";
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private AgentProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The published binary; a test that needs it fails (never skips) when it is not there.</summary>
    public static string Binary
    {
        get
        {
            var path = Environment.GetEnvironmentVariable(BinaryVariable);
            Assert.True(path is not null && File.Exists(path),
                $"{BinaryVariable} must name the published agent (dotnet publish controller-agent/TapRoom.ControllerAgent -c Release -r linux-x64 -p:PublishAot=true); ./test.sh sets it.");
            return path!;
        }
    }

    public IReadOnlyCollection<string> Lines => _lines;
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public static AgentProcess Start(IDictionary<string, string> settings, params string[] args)
    {
        var runner = (Environment.GetEnvironmentVariable(RunnerVariable) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var info = new ProcessStartInfo(runner.Length > 0 ? runner[0] : Binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (runner.Length > 0)
        {
            foreach (var a in runner.Skip(1)) info.ArgumentList.Add(a);
            info.ArgumentList.Add(Binary);
        }
        foreach (var a in args) info.ArgumentList.Add(a);
        // One line per message, so a test can wait for one.
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        info.Environment["Agent__Simulation__Control"] = "stdin";
        foreach (var (key, value) in settings) info.Environment[key] = value;
        return new AgentProcess(Process.Start(info)!);
    }

    /// <summary>The environment of an agent for <paramref name="servers"/> on simulated taps calibrated like the venue's.</summary>
    public static Dictionary<string, string> Settings(string servers, string? apiKey, string dataDirectory, int taps = 1) => new()
    {
        ["Agent__ServerUrl"] = servers,
        ["Agent__ApiKey"] = apiKey ?? "",
        ["Agent__DataDirectory"] = dataDirectory,
        ["Agent__Hardware"] = "simulated",
        ["Agent__Simulation__Taps"] = taps.ToString(),
        ["Agent__Simulation__PulsesPerLiter"] = EndToEnd.Venue.PulsesPerLiter.ToString(),
        ["Agent__Simulation__FlowRateMlPerSecond"] = "150",
        ["Agent__ReconnectDelaysMs__0"] = "0",
        ["Agent__ReconnectDelaysMs__1"] = "100",
        ["Agent__ReconnectDelaysMs__2"] = "250",
        ["Agent__ReconnectDelaysMs__3"] = "500",
        ["Agent__FailoverAfterAttempts"] = "2",
        ["Agent__PairingPollMs"] = "200",
        ["Agent__Pour__CardDebounceMs"] = "300",
        ["Agent__Pour__CheckpointIntervalMs"] = "200",
        ["Agent__Pour__SettleMs"] = "100",
        ["Agent__Screen__Urls"] = "http://127.0.0.1:0",
    };

    public async Task SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    public Task PresentAsync(int tap, string uid) => SendAsync($"present {tap} {uid}");
    public Task RemoveAsync(int tap) => SendAsync($"remove {tap}");

    /// <summary>Waits for a log line that contains <paramref name="text"/> (and returns it).</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout, int skip = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_lines.Where(l => l.Contains(text)).Skip(skip).FirstOrDefault() is { } found) return found;
            Assert.False(_process.HasExited, $"The agent exited ({ExitCodeOrNone()}) before logging '{text}':\n{Tail()}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for the agent to log '{text}'; its log ends:\n{Tail()}");
            await Task.Delay(25);
        }
    }

    /// <summary>Where its tap screens listen (logged at start).</summary>
    public async Task<Uri> ScreenAsync(TimeSpan timeout)
    {
        var line = await WaitForLineAsync("Tap screens at", timeout);
        return new Uri(ScreenAddress().Match(line).Value);
    }

    /// <summary>The code it shows while it waits to be adopted.</summary>
    public async Task<string> PairingCodeAsync(TimeSpan timeout) =>
        PairingCode().Match(await WaitForLineAsync("Pairing code", timeout)).Groups[1].Value;

    public string Tail(int lines = 40) => string.Join('\n', _lines.TakeLast(lines));

    private string ExitCodeOrNone() => _process.HasExited ? $"exit code {_process.ExitCode}" : "running";

    /// <summary>SIGTERM, as systemd stops it; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
            await kill.WaitForExitAsync();
        }
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"https?://[^\s,]+")]
    private static partial Regex ScreenAddress();

    [GeneratedRegex(@"Pairing code (\d{6})")]
    private static partial Regex PairingCode();
}
