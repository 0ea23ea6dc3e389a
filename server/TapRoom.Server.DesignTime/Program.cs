// Nothing runs here: this project exists so that `dotnet ef` has a startup project with EF Core Design.
Console.WriteLine("TapRoom design-time host for dotnet ef; see docs/adr/0004-ef-design-time-project.md.");
