using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.Server.Features.Controllers;

/// <summary>
/// The agent's footprint as a controller sees it (issue 29), for each build given: cold start to connected (exec to the
/// Hello answered, read from its log), resident memory at idle and at its peak (VmRSS, VmHWM), and idle CPU, with
/// <see cref="Taps"/> simulated taps connected and no cards. One process at a time against the same real server.
/// </summary>
internal static class Footprint
{
    public const int Taps = 4;

    public sealed record Build(string Name, string FileName, string[] Args);

    public static async Task RunAsync(Uri url, HttpClient admin, JsonSerializerOptions json, string dir, IReadOnlyList<Build> builds, int idleSeconds, int runs)
    {
        var tapIds = new List<Guid>();
        var beer = await PostAsync<BeerTypeDto>(admin, json, "/api/beer-types", new { name = "Footprint", abv = 5m, pricePerLiter = 10m });
        var existing = (await admin.GetFromJsonAsync<List<TapDto>>("/api/taps", json))!.Count;
        for (var i = 1; i <= Taps; i++)
        {
            var tap = await PostAsync<TapDto>(admin, json, "/api/taps", new { name = $"Footprint {i}", number = existing + i });
            var keg = await PostAsync<KegDto>(admin, json, "/api/kegs", new { beerTypeId = beer.Id, nominalVolumeMl = 50_000 });
            await PostAsync<JsonElement>(admin, json, $"/api/taps/{tap.Id}/connect-keg", new { kegId = keg.Id });
            tapIds.Add(tap.Id);
        }
        var pi = await PostAsync<RegisterController.Result>(admin, json, "/api/controllers", new { name = "footprint-pi", tapIds });

        Console.WriteLine($"Footprint, {Taps} simulated taps connected, idle {idleSeconds} s, medians of {runs} cold start(s) (a shared machine: figures are noisy)");
        Console.WriteLine("| build | start to connected | idle RSS | peak RSS | idle CPU | anonymous | file-backed | threads |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var build in builds)
        {
            var samples = new List<Sample>();
            for (var run = 0; run < runs; run++)
                samples.Add(await MeasureAsync(build, url, pi.ApiKey, Path.Combine(dir, $"footprint-{build.Name}-{run}"), idleSeconds));
            double Median(Func<Sample, double> f)
            {
                var sorted = samples.Select(f).Order().ToList();
                return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
            }
            Console.WriteLine($"| {build.Name} | {Median(s => s.Start):F2} s | {Median(s => s.Rss):F1} MiB | {Median(s => s.Peak):F1} MiB | {Median(s => s.Cpu):F2} % "
                + $"| {Median(s => s.Anon):F1} MiB | {Median(s => s.File):F1} MiB | {Median(s => s.Threads):F0} |");
            Console.WriteLine($"  runs: {string.Join("; ", samples.Select(s => $"{s.Start:F2} s {s.Rss:F1}/{s.Peak:F1} MiB {s.Cpu:F2} %"))}");
        }
    }

    /// <summary>One cold start: to connected, then idle figures (RSS split as /proc/PID/status does: anonymous and file-backed).</summary>
    private sealed record Sample(double Start, double Rss, double Peak, double Cpu, double Anon, double File, double Threads);

    private static async Task<Sample> MeasureAsync(Build build, Uri url, string apiKey, string data, int idleSeconds)
    {
        var psi = new ProcessStartInfo(build.FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in build.Args) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "--simulate", Taps.ToString(), "--server", url.ToString(), "--data", data }) psi.ArgumentList.Add(a);
        psi.Environment["Agent__ApiKey"] = apiKey;
        psi.Environment["Agent__Screen__Urls"] = "http://127.0.0.1:0";
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        psi.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        // Runtime knobs to try on the agent alone (TAPROOM_AGENT_ENV="DOTNET_GCgen0size=0x200000;…"), not on this process.
        foreach (var pair in (Environment.GetEnvironmentVariable("TAPROOM_AGENT_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            if (pair.Split('=', 2) is [var name, var value]) psi.Environment[name] = value;
        var connected = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { if (e.Data?.Contains("Connected to") == true) connected.TrySetResult(clock.Elapsed); };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var start = await connected.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(5)); // past start-up (first GCs, tiering) before sampling
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds / wall.Elapsed.TotalMilliseconds * 100;
            var m = Memory(process.Id);
            // TAPROOM_FOOTPRINT_SMAPS=DIR keeps each run's /proc/PID/smaps, to see which mappings hold the memory.
            if (Environment.GetEnvironmentVariable("TAPROOM_FOOTPRINT_SMAPS") is { Length: > 0 } keep)
            {
                Directory.CreateDirectory(keep);
                File.Copy($"/proc/{process.Id}/smaps", Path.Combine(keep, $"{build.Name}-{Path.GetFileName(data)}.smaps"), overwrite: true);
            }
            return new Sample(start.TotalSeconds, m.Rss, m.Peak, cpu, m.Anon, m.File, m.Threads);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Resident and peak resident memory in MiB and the thread count, from /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile, Threads).</summary>
    private static (double Rss, double Peak, double Anon, double File, double Threads) Memory(int pid)
    {
        double Field(string[] lines, string name) =>
            double.Parse(lines.First(l => l.StartsWith(name)).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]);
        var status = File.ReadAllLines($"/proc/{pid}/status");
        return (Field(status, "VmRSS:") / 1024, Field(status, "VmHWM:") / 1024, Field(status, "RssAnon:") / 1024, Field(status, "RssFile:") / 1024,
            Field(status, "Threads:"));
    }

    private static async Task<T> PostAsync<T>(HttpClient admin, JsonSerializerOptions json, string path, object body)
    {
        var r = await admin.PostAsJsonAsync(path, body, json);
        if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {await r.Content.ReadAsStringAsync()}");
        return (await r.Content.ReadFromJsonAsync<T>(json))!;
    }
}
