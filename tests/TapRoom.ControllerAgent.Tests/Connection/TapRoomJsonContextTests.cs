using System.Text.Json;
using System.Text.Json.Serialization;
using TapRoom.Contracts;

namespace TapRoom.ControllerAgent.Tests.Connection;

/// <summary>
/// The source-generated JSON the Native AOT agent speaks (ADR 0083) must cover every contract type and write exactly
/// what the server's reflection-based options write: camelCase, nulls left out, enums as snake_case strings.
/// </summary>
public sealed class TapRoomJsonContextTests
{
    private static readonly JsonSerializerOptions Reflection = TapRoomJson.CreateOptions();

    public static TheoryData<Type> ContractTypes()
    {
        var data = new TheoryData<Type>();
        foreach (var t in typeof(HelloResult).Assembly.GetExportedTypes()
                     .Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition && !t.IsInterface)
                     .Where(t => !typeof(JsonSerializerContext).IsAssignableFrom(t) && !typeof(JsonConverter).IsAssignableFrom(t))
                     .Where(t => t.IsEnum || t.GetMethod("<Clone>$") is not null))
            data.Add(t);
        return data;
    }

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void Every_contract_type_is_source_generated(Type type) =>
        Assert.NotNull(TapRoomJsonContext.Default.GetTypeInfo(type));

    /// <summary>Every type a controller sends or receives: the controller hub's arguments and results, its pushes, pairing.</summary>
    public static TheoryData<Type> ControllerTypes()
    {
        static Type Unwrap(Type t) => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Task<>) ? t.GetGenericArguments()[0] : t;
        var types = new HashSet<Type> { typeof(StartPairingRequest), typeof(PairingStarted), typeof(PairingPollResult) };
        foreach (var m in typeof(IControllerHub).GetMethods().Concat(typeof(IControllerClient).GetMethods()))
        {
            foreach (var p in m.GetParameters()) types.Add(p.ParameterType);
            if (Unwrap(m.ReturnType) is var r && r != typeof(Task)) types.Add(r);
        }
        var data = new TheoryData<Type>();
        foreach (var t in types) data.Add(t);
        return data;
    }

    [Theory]
    [MemberData(nameof(ControllerTypes))]
    public void Every_type_a_controller_speaks_is_in_its_own_context(Type type) =>
        Assert.NotNull(ControllerJsonContext.Default.GetTypeInfo(type));

    [Fact]
    public void The_controller_context_writes_and_reads_what_the_full_context_does()
    {
        var hello = new HelloResult(Guid.NewGuid(),
            [new ControllerTapConfig(Guid.NewGuid(), "Tap 1", TapStatus.ProcessingSync, 5600, 1000, 8000, "Lager", null, 5.0m, 10m, "EUR")],
            new DateTime(2026, 12, 7, 20, 0, 0, DateTimeKind.Utc));
        Assert.Equal(JsonSerializer.Serialize(hello, TapRoomJsonContext.Default.HelloResult), JsonSerializer.Serialize(hello, ControllerJsonContext.Default.HelloResult));
        var polled = new PairingPollResult(PairingStatus.Adopted, "trk_x");
        Assert.Equal(JsonSerializer.Serialize(polled, Reflection), JsonSerializer.Serialize(polled, ControllerJsonContext.Default.PairingPollResult));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("{\"allowed\":false,\"denyReason\":3}", ControllerJsonContext.Default.AuthorizeResult));
    }

    [Fact]
    public void A_hello_and_a_deny_read_the_same_with_and_without_reflection()
    {
        var hello = new HelloResult(Guid.NewGuid(),
            [new ControllerTapConfig(Guid.NewGuid(), "Tap 1", TapStatus.ProcessingSync, 5600, 1000, 8000, "Lager", null, 5.0m, 10m, "EUR")],
            new DateTime(2026, 12, 7, 20, 0, 0, DateTimeKind.Utc));
        var generated = JsonSerializer.Serialize(hello, TapRoomJsonContext.Default.HelloResult);
        Assert.Equal(JsonSerializer.Serialize(hello, Reflection), generated);
        Assert.Contains("\"status\":\"processing_sync\"", generated);
        Assert.DoesNotContain("beerStyle", generated);

        var deny = JsonSerializer.Deserialize("{\"allowed\":false,\"denyReason\":\"insufficient_balance\",\"message\":\"Top up\"}", TapRoomJsonContext.Default.AuthorizeResult)!;
        Assert.Equal(DenyReason.InsufficientBalance, deny.DenyReason);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("{\"allowed\":false,\"denyReason\":3}", TapRoomJsonContext.Default.AuthorizeResult));
    }

    [Fact]
    public void The_hub_client_options_still_fall_back_to_reflection_for_other_types_under_the_jit()
    {
        var options = new JsonSerializerOptions();
        TapRoomJson.ConfigureSourceGenerated(options);
        Assert.Same(TapRoomJsonContext.Default, options.TypeInfoResolverChain[0]);
        Assert.Equal("{\"tapId\":\"x\"}", JsonSerializer.Serialize(new { tapId = "x" }, options));
        Assert.Equal("\"insufficient_balance\"", JsonSerializer.Serialize(DenyReason.InsufficientBalance, options));
    }
}
