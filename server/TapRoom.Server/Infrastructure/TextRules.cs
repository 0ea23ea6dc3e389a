using FluentValidation;

namespace TapRoom.Server.Infrastructure;

public static class TextRules
{
    /// <summary>A name is one line: no control character at all except tab (REST bodies already refuse the others).</summary>
    public static IRuleBuilderOptions<T, string?> SingleLine<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(s => s is null || !s.Any(c => char.IsControl(c) && c != '\t'))
            .WithMessage("'{PropertyName}' must be one line without control characters.");
}
