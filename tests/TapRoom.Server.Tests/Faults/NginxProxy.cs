using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TapRoom.Server.Tests.Faults;

/// <summary>
/// Real nginx (Debian's, installed by ./test.sh when missing) in front of server instances, running the shipped
/// <c>deploy/nginx/taproom.conf</c> with its upstream servers and listen address replaced: not root-only (its own
/// prefix, pid and temp directories), in the foreground (<c>daemon off</c>), on a free loopback port.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private NginxProxy(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    public static string Binary =>
        new[] { "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("nginx is not installed: ./test.sh installs it (apt-get install nginx), or run 'sudo apt-get install -y nginx'.");

    /// <summary>The shipped configuration, copied next to the test assembly by the project file.</summary>
    public static string ShippedConfiguration => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "nginx", "taproom.conf"));

    /// <summary>Starts nginx proxying to <paramref name="upstreams"/>; <paramref name="edit"/> may change the site configuration (a test breaking it).</summary>
    public static async Task<NginxProxy> StartAsync(IReadOnlyList<Uri> upstreams, Func<string, string>? edit = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "taproom-nginx", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        // As root, nginx's workers run as nobody: they must be able to write the temp directories.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(dir, "tmp"), (UnixFileMode)0x1FF);
        var port = FreePort();
        var site = ShippedConfiguration;
        var lines = site.Split('\n').ToList();
        var servers = lines.FindAll(l => l.TrimStart().StartsWith("server 10.0.5.", StringComparison.Ordinal));
        if (servers.Count != 2) throw new InvalidOperationException("deploy/nginx/taproom.conf no longer has the two example server lines this test replaces.");
        var at = lines.IndexOf(servers[0]);
        lines.RemoveAll(servers.Contains);
        lines.InsertRange(at, upstreams.Select(u => $"    server {u.Authority} max_fails=2 fail_timeout=5s;"));
        site = string.Join('\n', lines).Replace("    listen 80;", $"    listen 127.0.0.1:{port};");
        if (edit is not null) site = edit(site);
        await File.WriteAllTextAsync(Path.Combine(dir, "taproom.conf"), site);
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), $$"""
            worker_processes 1;
            error_log {{dir}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log {{dir}}/access.log;
                client_body_temp_path {{dir}}/tmp/body;
                proxy_temp_path {{dir}}/tmp/proxy;
                fastcgi_temp_path {{dir}}/tmp/fastcgi;
                uwsgi_temp_path {{dir}}/tmp/uwsgi;
                scgi_temp_path {{dir}}/tmp/scgi;
                include {{dir}}/taproom.conf;
            }
            """);
        var info = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-p", dir + "/", "-c", Path.Combine(dir, "nginx.conf"), "-e", Path.Combine(dir, "error.log"), "-g", $"daemon off; pid {dir}/nginx.pid;" })
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var proxy = new NginxProxy(process, dir, port);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()} {proxy.ErrorLog}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return proxy;
            }
            catch (SocketException) { await Task.Delay(50); }
        }
        await proxy.DisposeAsync();
        throw new TimeoutException("nginx did not listen within 30 s: " + proxy.ErrorLog);
    }

    public string ErrorLog => File.Exists(Path.Combine(_directory, "error.log")) ? File.ReadAllText(Path.Combine(_directory, "error.log")) : "";

    /// <summary>The access log: one line per request, with the upstream status (a WebSocket that went through is 101).</summary>
    public string AccessLog => File.Exists(Path.Combine(_directory, "access.log")) ? File.ReadAllText(Path.Combine(_directory, "access.log")) : "";

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
