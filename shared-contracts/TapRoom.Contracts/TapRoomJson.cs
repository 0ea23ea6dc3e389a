using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace TapRoom.Contracts;

/// <summary>The one JSON convention of the wire: camelCase properties, snake_case enum strings.</summary>
public static class TapRoomJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        // The server's own enums (not in this project) need the catch-all converter; it builds converters at run time, so
        // under Native AOT only the contract enums' own SnakeCaseEnumConverter attributes apply.
        if (RuntimeFeature.IsDynamicCodeSupported && !options.Converters.Any(c => c is JsonStringEnumConverter))
        {
            options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        }
    }

    /// <summary>
    /// The conventions plus the source-generated contract types first in the resolver chain: a Native AOT client sees
    /// every contract type, and a JIT one still falls back to reflection for anything else.
    /// </summary>
    public static void ConfigureSourceGenerated(JsonSerializerOptions options) => ConfigureSourceGenerated(options, TapRoomJsonContext.Default);

    /// <summary>The same with a smaller context first (the agent's <see cref="ControllerJsonContext"/>).</summary>
    public static void ConfigureSourceGenerated(JsonSerializerOptions options, JsonSerializerContext contracts)
    {
        Configure(options);
        if (options.TypeInfoResolverChain.Contains(contracts)) return;
        options.TypeInfoResolverChain.Insert(0, contracts);
        // Options with no resolver fall back to reflection by themselves, but not once a chain is set: add it back where
        // reflection is on (JIT: tests and tools send other types too). Under Native AOT the switch is false and trimmed.
        if (JsonSerializer.IsReflectionEnabledByDefault) options.TypeInfoResolverChain.Add(ReflectionResolver());
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only reached when reflection-based serialization is enabled, never in a trimmed or AOT build.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only reached when reflection-based serialization is enabled, never in a trimmed or AOT build.")]
    private static IJsonTypeInfoResolver ReflectionResolver() => new DefaultJsonTypeInfoResolver();

    public static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        return options;
    }

    public static string EnumValue<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
