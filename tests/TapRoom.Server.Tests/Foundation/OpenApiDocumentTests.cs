using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

/// <summary>
/// The web app's types are generated from web/src/api/openapi.json (docs/adr/0080). That file must be the document the
/// server serves now, so a DTO or a route changed without `npm run gen:api` (in web/) fails here; the web's
/// generated.spec.ts then checks generated.ts against openapi.json.
/// </summary>
public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task The_committed_openapi_document_is_what_the_server_serves_now()
    {
        await using var host = await TapRoomHost.StartAsync();
        var differences = Differences(await ServedAsync(host), Committed());
        Assert.True(differences.Count == 0,
            "web/src/api/openapi.json is out of date: run `npm run gen:api` in web/ and commit both files. Differs at: "
            + string.Join(", ", differences.Take(20)));
    }

    [Fact]
    public async Task A_dto_changed_without_regenerating_fails_the_check()
    {
        // As if a field had been added to TapDto in shared-contracts and the web's files not regenerated.
        await using var host = await TapRoomHost.StartAsync(configure: b => b.Services.Configure<OpenApiOptions>("v1", o =>
            o.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(TapRoom.Contracts.TapDto) && context.JsonPropertyInfo is null)
                    schema.Properties!["pressureBar"] = new OpenApiSchema { Type = JsonSchemaType.Number };
                return Task.CompletedTask;
            })));
        var differences = Differences(await ServedAsync(host), Committed());
        Assert.Contains("/components/schemas/TapDto/properties/pressureBar", differences);
    }

    private static async Task<JsonNode> ServedAsync(TapRoomHost host)
    {
        using var client = await host.SignInAsAsync(TapRoom.Contracts.StaffRole.Staff);
        return JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
    }

    private static JsonNode Committed()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TapRoom.sln"))) dir = dir.Parent;
        return JsonNode.Parse(File.ReadAllText(Path.Combine(dir!.FullName, "web", "src", "api", "openapi.json")))!;
    }

    /// <summary>The JSON pointers where the two documents differ (a member only in one, or another value).</summary>
    internal static List<string> Differences(JsonNode? served, JsonNode? committed, string at = "")
    {
        var found = new List<string>();
        switch (served, committed)
        {
            case (JsonObject a, JsonObject b):
                foreach (var name in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
                {
                    var path = at + "/" + name.Replace("~", "~0").Replace("/", "~1");
                    if (!a.ContainsKey(name) || !b.ContainsKey(name)) found.Add(path);
                    else found.AddRange(Differences(a[name], b[name], path));
                }
                break;
            case (JsonArray a, JsonArray b) when a.Count == b.Count:
                for (var i = 0; i < a.Count; i++) found.AddRange(Differences(a[i], b[i], $"{at}/{i}"));
                break;
            default:
                if (!JsonNode.DeepEquals(served, committed)) found.Add(at == "" ? "/" : at);
                break;
        }
        return found;
    }
}
