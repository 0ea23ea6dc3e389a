using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

/// <summary>docs/API_REFERENCE.md must name every REST route the server maps.</summary>
public sealed partial class ApiReferenceDocTests
{
    [GeneratedRegex(@":[a-z]+(\([^)]*\))?")]
    private static partial Regex Constraint();

    [Fact]
    public async Task Every_api_route_is_in_the_api_reference()
    {
        await using var host = await TapRoomHost.StartAsync();
        var routes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + Constraint().Replace(e.RoutePattern.RawText!.TrimStart('/'), "").TrimEnd('/'))
            .Where(r => r.StartsWith("/api/", StringComparison.Ordinal))
            .Distinct().Order().ToList();
        Assert.NotEmpty(routes);

        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TapRoom.sln"))) dir = dir.Parent;
        var doc = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "API_REFERENCE.md"));
        var missing = routes.Where(r => !doc.Contains(r, StringComparison.Ordinal)).ToList();
        Assert.Empty(missing);
    }
}
