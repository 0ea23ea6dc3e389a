using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TapRoom.ControllerAgent;
using TapRoom.ControllerAgent.Hardware;

AppDomain.CurrentDomain.UnhandledException += (_, _) => ValveGuard.CloseAll();

if (args is ["--version"])
{
    Console.WriteLine($"taproom-agent {AgentSettings.Version}");
    return 0;
}

var switches = new Dictionary<string, string>
{
    ["--simulate"] = "Agent:Simulate",
    ["--server"] = "Agent:ServerUrl",
    ["--mode"] = "Agent:Mode",
    ["--hardware"] = "Agent:Hardware",
    ["--data"] = "Agent:DataDirectory",
    ["--reader-id"] = "Agent:ReaderId",
};
// Settings are read once: no file watcher (a thread and inotify handles for a file that changes only with a restart).
var hostSettings = new ConfigurationManager();
hostSettings.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
    Configuration = hostSettings,
});
// --config FILE (the Debian package's /etc/taproom-agent/agent.json) overrides appsettings.json beside the binary; the
// environment and the command line still override both.
if (builder.Configuration["config"] is { Length: > 0 } config)
{
    builder.Configuration.AddJsonFile(Path.GetFullPath(config), optional: false, reloadOnChange: false);
    builder.Configuration.AddEnvironmentVariables();
}
builder.Configuration.AddCommandLine(args, switches);
var settings = builder.Configuration.GetSection(AgentSettings.Section).Get<AgentSettings>() ?? new AgentSettings();
builder.Services.AddSingleton(settings);
builder.Services.AddHostedService<AgentWorker>();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

try
{
    await builder.Build().RunAsync();
    return Environment.ExitCode;
}
finally
{
    ValveGuard.CloseAll();
}
