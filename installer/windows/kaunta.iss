; Inno Setup script for the Kaunta till on Windows (most shop PCs).
; Build the one-folder app first:   .venv\Scripts\python installer\build.py
; then compile this file:           iscc installer\windows\kaunta.iss
; The result is dist\kaunta-setup-<version>.exe. Per-user data (database, backups, logs)
; lives in %LOCALAPPDATA%\Kaunta and is never touched by an upgrade or an uninstall.

#define AppVersion "0.1.0"

[Setup]
AppId={{6B0E1C52-7A4D-4C1B-9D8E-4B2A1F0C9A11}
AppName=Kaunta POS
AppVersion={#AppVersion}
AppPublisher=Kaunta contributors
DefaultDirName={autopf}\Kaunta
DefaultGroupName=Kaunta POS
OutputDir=..\..\dist
OutputBaseFilename=kaunta-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
UninstallDisplayIcon={app}\kaunta.exe

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Files]
Source: "..\..\dist\kaunta\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Kaunta POS"; Filename: "{app}\kaunta.exe"; Parameters: "run"
Name: "{group}\Kaunta POS (training)"; Filename: "{app}\kaunta.exe"; Parameters: "--training run"
Name: "{autodesktop}\Kaunta POS"; Filename: "{app}\kaunta.exe"; Parameters: "run"; Tasks: desktopicon

[Run]
Filename: "{app}\kaunta.exe"; Parameters: "--training run"; Description: "Start Kaunta in training mode"; Flags: nowait postinstall skipifsilent
