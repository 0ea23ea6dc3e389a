using System.Text.Json;
using System.Text.Json.Serialization;

namespace TapRoom.ControllerAgent.Screen;

/// <summary>The tap screen's JSON (the state route and the event stream), source-generated so it works under Native AOT.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TapScreenView))]
internal sealed partial class ScreenJsonContext : JsonSerializerContext;
