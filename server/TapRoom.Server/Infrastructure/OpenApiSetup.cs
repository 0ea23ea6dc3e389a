using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TapRoom.Contracts;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) is the one source of the web app's types (web/src/api/openapi.json →
/// generated.ts, docs/adr/0080). So it says what the wire really carries: strings are strings although a converter
/// reads them, a property left out when null is not required, nested request types get distinct names, and the
/// dashboard hub's pushes are in it too (<c>DashboardPushes</c>: method name → payload), though no route returns them.
/// </summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddTapRoomOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.CreateSchemaReferenceId = SchemaId;
            o.AddSchemaTransformer(DescribeWireTypes);
            o.AddDocumentTransformer(AddDashboardPushesAsync);
        });

    /// <summary>
    /// Nested request and result types (<c>CreateStaffUser.Command</c>, <c>KegEndpoints.Body</c>) are named after the
    /// type that holds them, so two <c>Command</c>s never share one schema.
    /// </summary>
    private static string? SchemaId(JsonTypeInfo info)
    {
        var id = OpenApiOptions.CreateDefaultSchemaReferenceId(info);
        if (id is null) return null;
        for (var outer = info.Type.DeclaringType; outer is not null; outer = outer.DeclaringType) id = outer.Name + id;
        return id;
    }

    private static Task DescribeWireTypes(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        // NoControlCharactersConverter reads every string, which hides the type from the schema exporter ({}).
        if (context.JsonTypeInfo.Type == typeof(string) && schema.Type is null && schema.Properties is not { Count: > 0 })
        {
            var nullable = context.JsonPropertyInfo is { } p ? IsNullable(p) : false;
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        }
        // Null properties are left out of the JSON (TapRoomJson: WhenWritingNull): a nullable property may be missing.
        if (schema.Required is { Count: > 0 } required && context.JsonTypeInfo.Properties is { Count: > 0 } infos)
        {
            foreach (var info in infos)
                if (required.Contains(info.Name) && (info.PropertyType.IsValueType ? Nullable.GetUnderlyingType(info.PropertyType) is not null : IsNullable(info)))
                    required.Remove(info.Name);
        }
        return Task.CompletedTask;
    }

    private static readonly NullabilityInfoContext Nullability = new();

    private static bool IsNullable(JsonPropertyInfo property) =>
        property.AttributeProvider switch
        {
            PropertyInfo pi => Nullability.Create(pi).ReadState == NullabilityState.Nullable,
            FieldInfo fi => Nullability.Create(fi).ReadState == NullabilityState.Nullable,
            _ => property.IsGetNullable,
        };

    /// <summary>
    /// The dashboard hub's contract (<see cref="IDashboardClient"/>): each push's payload as a schema, and
    /// <c>DashboardPushes</c>, an object whose property names are the push method names and whose values are the payloads.
    /// </summary>
    private static async Task AddDashboardPushesAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        var pushes = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "The dashboard hub's pushes (/hubs/dashboard, IDashboardClient): method name → its one argument.",
            Properties = new Dictionary<string, IOpenApiSchema>(),
            Required = new HashSet<string>(),
        };
        foreach (var method in typeof(IDashboardClient).GetMethods().OrderBy(m => m.MetadataToken))
        {
            var payload = method.GetParameters().Single().ParameterType;
            var schema = await context.GetOrCreateSchemaAsync(payload, cancellationToken: ct);
            pushes.Properties[method.Name] = AsComponent(document, schema);
            pushes.Required.Add(method.Name);
        }
        document.AddComponent("DashboardPushes", pushes);
        document.Info = new OpenApiInfo { Title = "TapRoom", Version = "v1" }; // not the host's application name, which tests change
        document.Servers?.Clear(); // the same document at build time and when served: paths are relative to where it is served
    }

    /// <summary>
    /// A schema made outside an operation comes back inline, nested types and all; each part that has a schema id
    /// (<c>x-schema-id</c>) becomes a component and a reference to it, as the operations' schemas are.
    /// </summary>
    private static IOpenApiSchema AsComponent(OpenApiDocument document, IOpenApiSchema schema)
    {
        if (schema is not OpenApiSchema inline) return schema;
        if (inline.Metadata?.TryGetValue("x-schema-id", out var value) is true && value is string id && id.Length > 0)
        {
            if (document.Components?.Schemas?.ContainsKey(id) is not true)
            {
                document.AddComponent(id, inline); // first, so a type that refers to itself finds it
                Componentize(document, inline);
            }
            return new OpenApiSchemaReference(id, document);
        }
        Componentize(document, inline);
        return inline;
    }

    private static void Componentize(OpenApiDocument document, OpenApiSchema schema)
    {
        if (schema.Properties is { } properties)
            foreach (var name in properties.Keys.ToList()) properties[name] = AsComponent(document, properties[name]);
        if (schema.Items is { } items) schema.Items = AsComponent(document, items);
        if (schema.AdditionalProperties is { } additional) schema.AdditionalProperties = AsComponent(document, additional);
        foreach (var list in new[] { schema.OneOf, schema.AnyOf, schema.AllOf })
            if (list is not null)
                for (var i = 0; i < list.Count; i++) list[i] = AsComponent(document, list[i]);
    }
}
