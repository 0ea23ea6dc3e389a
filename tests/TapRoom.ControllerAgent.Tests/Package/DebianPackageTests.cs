using System.Diagnostics;

namespace TapRoom.ControllerAgent.Tests.Package;

/// <summary>
/// The agent's Debian package (deploy/agent/build-deb.sh), named by <c>TAPROOM_AGENT_DEB</c> (./test.sh builds it from
/// the AOT publish): what dpkg sees in it, what an install into a scratch root gives, and what systemd thinks of its unit.
/// </summary>
[Trait("Category", "aot")]
public sealed class DebianPackageTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "taproom-deb-" + Guid.NewGuid().ToString("N"));

    private static string Deb
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("TAPROOM_AGENT_DEB");
            Assert.True(path is not null && File.Exists(path), "TAPROOM_AGENT_DEB must name the package (deploy/agent/build-deb.sh --arch amd64 --out DIR); ./test.sh sets it.");
            return path!;
        }
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}{await stdout}");
        return await stdout + await stderr;
    }

    [Fact]
    public async Task Its_control_names_the_package_its_architecture_version_and_conffile()
    {
        var info = await RunAsync("dpkg-deb", "--info", Deb);
        Assert.Contains("Package: taproom-agent", info);
        Assert.Contains("Architecture: amd64", info);
        Assert.Matches(@"Version: \d+\.\d+\.\d+", info);
        Assert.Equal("/etc/taproom-agent/agent.json", (await ControlFileAsync("conffiles")).Trim());
        var postinst = await ControlFileAsync("postinst");
        Assert.Contains("useradd --system", postinst);
        foreach (var group in new[] { "gpio", "spi", "i2c" }) Assert.Contains(group, postinst);
    }

    [Fact]
    public async Task It_holds_the_binary_its_native_libraries_the_unit_and_the_conffile()
    {
        var contents = await RunAsync("dpkg-deb", "-c", Deb);
        Assert.Contains("./usr/lib/taproom-agent/taproom-agent", contents);
        Assert.Contains("./usr/lib/taproom-agent/libe_sqlite3.so", contents);
        Assert.Contains("./lib/systemd/system/taproom-agent.service", contents);
        Assert.Contains("./etc/taproom-agent/agent.json", contents);
        Assert.DoesNotContain(".dbg", contents);
        Assert.DoesNotContain(".pdb", contents);
    }

    [Fact]
    public async Task Installed_into_a_scratch_root_the_binary_prints_its_version()
    {
        await RunAsync("dpkg-deb", "-x", Deb, _scratch);
        var version = await RunAsync(Path.Combine(_scratch, "usr/lib/taproom-agent/taproom-agent"), "--version");
        Assert.Matches(@"^taproom-agent \d+\.\d+\.\d+\s*$", version);
        Assert.Contains((await RunAsync("dpkg-deb", "--field", Deb, "Version")).Trim(), version);
    }

    [Fact]
    public async Task The_unit_restarts_always_runs_unprivileged_and_confined_and_systemd_accepts_it()
    {
        await RunAsync("dpkg-deb", "-x", Deb, _scratch);
        var unitPath = Path.Combine(_scratch, "lib/systemd/system/taproom-agent.service");
        var unit = await File.ReadAllLinesAsync(unitPath);
        foreach (var line in new[] { "Restart=always", "User=taproom", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "ReadWritePaths=/var/lib/taproom-agent", "StateDirectory=taproom-agent" })
            Assert.Contains(line, unit);
        Assert.Contains(unit, l => l.StartsWith("ExecStart=/usr/lib/taproom-agent/taproom-agent --config /etc/taproom-agent/agent.json"));

        // systemd's own check of the unit, pointed at the extracted binary (verify wants the program it starts to exist).
        Assert.True(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is missing: apt-get install systemd (./test.sh does).");
        var check = Path.Combine(_scratch, "taproom-agent.service");
        await File.WriteAllTextAsync(check, (await File.ReadAllTextAsync(unitPath)).Replace("/usr/lib/taproom-agent/", Path.Combine(_scratch, "usr/lib/taproom-agent/")));
        var verify = await RunAsync("systemd-analyze", "verify", "--man=no", check);
        Assert.DoesNotContain("taproom-agent.service:", verify);
    }

    private async Task<string> ControlFileAsync(string name)
    {
        var control = Path.Combine(_scratch, "DEBIAN");
        Directory.CreateDirectory(_scratch);
        if (!Directory.Exists(control)) await RunAsync("dpkg-deb", "-e", Deb, control);
        return await File.ReadAllTextAsync(Path.Combine(control, name));
    }

    public void Dispose()
    {
        try { Directory.Delete(_scratch, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
