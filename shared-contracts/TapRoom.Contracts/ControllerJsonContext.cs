using System.Text.Json;
using System.Text.Json.Serialization;

namespace TapRoom.Contracts;

/// <summary>
/// Source-generated JSON for what a controller sends and receives (the controller hub and pairing), with the same
/// options as <see cref="TapRoomJsonContext"/>: the Native AOT agent's own context, so the binary carries no code for
/// the dashboard's and the desk's types (ADR 0091). A type added to the controller hub goes here and there
/// (TapRoomJsonContextTests checks both).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DictionaryKeyPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(HelloRequest))]
[JsonSerializable(typeof(ControllerTapConfig))]
[JsonSerializable(typeof(HelloResult))]
[JsonSerializable(typeof(AuthorizeRequest))]
[JsonSerializable(typeof(AuthorizeResult))]
[JsonSerializable(typeof(CompletePourRequest))]
[JsonSerializable(typeof(CompletePourResult))]
[JsonSerializable(typeof(SyncPoursRequest))]
[JsonSerializable(typeof(SyncPoursResult))]
[JsonSerializable(typeof(SyncedPour))]
[JsonSerializable(typeof(PourProgressMessage))]
[JsonSerializable(typeof(CardPresentedMessage))]
[JsonSerializable(typeof(CardRemovedMessage))]
[JsonSerializable(typeof(FlowWithoutPourMessage))]
[JsonSerializable(typeof(TapStateChangedMessage))]
[JsonSerializable(typeof(StopPourMessage))]
[JsonSerializable(typeof(TemperatureReading))]
[JsonSerializable(typeof(TemperatureReadingsRequest))]
[JsonSerializable(typeof(TemperatureReadingsResult))]
[JsonSerializable(typeof(CalibrationPourDoneMessage))]
[JsonSerializable(typeof(StartCalibrationPourMessage))]
[JsonSerializable(typeof(StopCalibrationPourMessage))]
[JsonSerializable(typeof(StartPairingRequest))]
[JsonSerializable(typeof(PairingStarted))]
[JsonSerializable(typeof(PairingPollResult))]
public sealed partial class ControllerJsonContext : JsonSerializerContext;
