using System.Reflection;
using System.Text.Json;
using TapRoom.Contracts;

namespace TapRoom.Server.Tests.Pours;

/// <summary>docs/INTERFACE_CONTRACT.md must not drift from the controller hub's C# contract.</summary>
public sealed class ControllerContractDocTests
{
    private static string ContractDoc()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TapRoom.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return File.ReadAllText(Path.Combine(dir.FullName, "docs", "INTERFACE_CONTRACT.md"));
    }

    [Fact]
    public void Every_controller_hub_method_message_field_and_code_is_documented()
    {
        var doc = ContractDoc();
        var missing = new List<string>();
        foreach (var method in typeof(IControllerHub).GetMethods().Concat(typeof(IControllerClient).GetMethods()))
        {
            if (!doc.Contains($"`{method.Name}"))
                missing.Add(method.Name);
            var types = new Queue<Type?>(method.GetParameters().Select(p => p.ParameterType).Append(method.ReturnType.IsGenericType ? method.ReturnType.GetGenericArguments()[0] : null));
            while (types.TryDequeue(out var type))
            {
                if (type is null || type.Namespace != typeof(IControllerHub).Namespace || type.IsEnum) continue;
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
                    if (!doc.Contains($"`{name}`") && !doc.Contains($"{name},") && !doc.Contains($"{name} ")) missing.Add($"{type.Name}.{name}");
                    // Nested records (the taps of HelloResult) are part of the contract too.
                    if (property.PropertyType.IsGenericType) types.Enqueue(property.PropertyType.GetGenericArguments()[0]);
                }
            }
        }
        foreach (var value in Enum.GetValues<DenyReason>().Select(TapRoomJson.EnumValue)
                     .Concat(Enum.GetValues<CompletePourOutcome>().Select(TapRoomJson.EnumValue)))
        {
            if (!doc.Contains($"`{value}`")) missing.Add(value);
        }
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_dashboard_push_and_every_enum_value_of_the_contract_is_documented()
    {
        var doc = ContractDoc();
        var missing = typeof(IDashboardClient).GetMethods().Select(m => m.Name).Where(name => !doc.Contains($"`{name}")).ToList();
        foreach (var enumType in typeof(IControllerHub).Assembly.GetTypes().Where(t => t.IsEnum && t.IsPublic))
        {
            foreach (var value in Enum.GetNames(enumType).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))
            {
                if (!doc.Contains($"`{value}`")) missing.Add($"{enumType.Name}.{value}");
            }
        }
        Assert.Empty(missing);
    }
}
