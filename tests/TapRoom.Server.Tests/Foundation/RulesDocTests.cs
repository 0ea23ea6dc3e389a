using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using TapRoom.Server.Data;
using TapRoom.Server.Tests.Faults;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Foundation;

/// <summary>docs/RULES.md stays true: every rule has its entry, and every file, test, index and invariant it names exists.</summary>
public sealed class RulesDocTests
{
    private static readonly string Root = PourStateMachineTests.RepoRoot();
    private static readonly string Doc = File.ReadAllText(Path.Combine(Root, "docs", "RULES.md"));
    private static IEnumerable<string> Quoted() => Regex.Matches(Doc, "`([^`]+)`").Select(m => m.Groups[1].Value);

    [Fact]
    public void Every_rule_of_the_product_has_its_entry_with_where_it_is_decided_and_the_tests_that_break()
    {
        var entries = Regex.Split(Doc, @"^## ", RegexOptions.Multiline).Skip(1).ToList();
        for (var rule = 1; rule <= 9; rule++)
        {
            var entry = Assert.Single(entries, e => e.StartsWith($"Rule {rule}:", StringComparison.Ordinal));
            Assert.Contains("**Decided in:**", entry);
            Assert.Contains("**Tests:**", entry);
        }
    }

    [Fact]
    public void Every_file_it_names_exists()
    {
        var paths = Quoted().Where(q => Regex.IsMatch(q, @"^[\w./-]+/[\w.-]+\.(cs|md|sh)$")).Distinct().ToList();
        Assert.True(paths.Count >= 10, "the doc names too few files to be read this way");
        Assert.All(paths, p => Assert.True(File.Exists(Path.Combine(Root, p)), $"docs/RULES.md names {p}, which does not exist"));
    }

    [Fact]
    public void Every_test_it_names_exists()
    {
        var tests = Quoted().Select(q => Regex.Match(q, @"^(\w+Tests)\.(\w+)$")).Where(m => m.Success).ToList();
        Assert.True(tests.Count >= 15, "the doc names too few tests to be read this way");
        var types = typeof(RulesDocTests).Assembly.GetTypes();
        Assert.All(tests, m =>
        {
            var type = types.SingleOrDefault(t => t.Name == m.Groups[1].Value);
            Assert.True(type is not null, $"docs/RULES.md names the test class {m.Groups[1].Value}, which does not exist");
            var method = type!.GetMethod(m.Groups[2].Value, BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static);
            Assert.True(method?.GetCustomAttributes().Any(a => a is FactAttribute) == true, $"docs/RULES.md names {m.Value}, which is not a test");
        });
    }

    [Fact]
    public void Every_index_constraint_and_invariant_it_names_exists()
    {
        using var db = new TapRoomDbContext(new DbContextOptionsBuilder<TapRoomDbContext>().UseSqlite("Data Source=:memory:").Options);
        var names = db.GetService<Microsoft.EntityFrameworkCore.Metadata.IDesignTimeModel>().Model.GetEntityTypes().SelectMany(e => e.GetIndexes().Select(i => i.GetDatabaseName())
            .Concat(e.GetCheckConstraints().Select(c => c.Name))).ToHashSet();
        var named = Quoted().Where(q => Regex.IsMatch(q, @"^(UX|IX|CK)_\w+$")).ToList();
        Assert.True(named.Count >= 6);
        Assert.All(named, n => Assert.True(names.Contains(n), $"docs/RULES.md names {n}, which the model does not have"));

        var invariants = typeof(InvariantChecker).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        var watched = Regex.Matches(Doc, @"invariants? `(\w+)`(?: and `(\w+)`)?")
            .SelectMany(m => m.Groups.Values.Skip(1).Where(g => g.Success).Select(g => g.Value)).ToList();
        Assert.True(watched.Count >= 8);
        Assert.All(watched, w => Assert.True(invariants.Contains(w), $"docs/RULES.md names the invariant {w}, which the checker does not have"));
    }
}
