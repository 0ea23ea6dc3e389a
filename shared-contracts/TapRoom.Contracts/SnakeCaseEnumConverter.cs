using System.Text.Json;
using System.Text.Json.Serialization;

namespace TapRoom.Contracts;

/// <summary>
/// An enum as its snake_case name, integers refused. Put on each contract enum so the source-generated context (Native
/// AOT, where the non-generic <see cref="JsonStringEnumConverter"/> cannot build its converters) writes the same strings
/// as the server's reflection-based options.
/// </summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
