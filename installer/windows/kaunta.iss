; Inno Setup script for the Kaunta till on Windows (most shop PCs), in English and Kiswahili.
; Build the one-folder app first:   .venv\Scripts\python installer\build.py
; then compile this file:           iscc installer\windows\kaunta.iss
; The result is dist\kaunta-setup-<version>.exe. Per-user data (database, backups, logs)
; lives in %LOCALAPPDATA%\kaunta and is never touched by an upgrade or an uninstall.
; The build makes kaunta.exe (the till, windowed) and kaunta-cli.exe (the commands that
; print, for a terminal: installer/targets.py); the icon is the one build.py drew from
; resources\icons\kaunta.svg into its work folder (a build output: /DIconFile=... to
; point elsewhere, /DDistDir=... for another build folder). Inno Setup ships no Kiswahili
; messages file, so Swahili.isl (beside this file) translates the pages a shop sees, on top
; of the English defaults. tests/installer/test_windows_inputs.py checks this file, the
; messages and the spec on Linux; it was never compiled by that test (no Windows there).

#define AppVersion "0.1.0"
#ifndef IconFile
  #define IconFile "..\..\build\pyinstaller\kaunta.ico"
#endif
#ifndef DistDir
  #define DistDir "..\..\dist"
#endif

[Setup]
AppId={{6B0E1C52-7A4D-4C1B-9D8E-4B2A1F0C9A11}
AppName=Kaunta POS
AppVersion={#AppVersion}
AppPublisher=Kaunta contributors
DefaultDirName={autopf}\Kaunta
DefaultGroupName=Kaunta POS
OutputDir={#DistDir}
OutputBaseFilename=kaunta-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\kaunta.exe
ShowLanguageDialog=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "swahili"; MessagesFile: "compiler:Default.isl,Swahili.isl"

[CustomMessages]
english.TrainingShortcut=Kaunta POS (training)
swahili.TrainingShortcut=Kaunta POS (mafunzo)
english.LogsShortcut=Kaunta log files
swahili.LogsShortcut=Faili za kumbukumbu za Kaunta
english.CommandsShortcut=Kaunta commands (backup, restore, verify)
swahili.CommandsShortcut=Amri za Kaunta (hifadhi nakala, rejesha, hakiki)
english.StartTraining=Start Kaunta in training mode
swahili.StartTraining=Anzisha Kaunta katika hali ya mafunzo

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Dirs]
; the log folder the till writes (platformdirs: %LOCALAPPDATA%\kaunta\Logs), made now so
; that its shortcut opens from the first day; kept on uninstall with the shop's data
Name: "{localappdata}\kaunta\Logs"; Flags: uninsneveruninstall

[Files]
Source: "{#DistDir}\kaunta\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Kaunta POS"; Filename: "{app}\kaunta.exe"; Parameters: "run"
Name: "{group}\{cm:TrainingShortcut}"; Filename: "{app}\kaunta.exe"; Parameters: "--training run"
Name: "{group}\{cm:LogsShortcut}"; Filename: "{localappdata}\kaunta\Logs"
Name: "{group}\{cm:CommandsShortcut}"; Filename: "{cmd}"; Parameters: "/k kaunta-cli.exe --help"; WorkingDir: "{app}"
Name: "{group}\{cm:UninstallProgram,Kaunta POS}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Kaunta POS"; Filename: "{app}\kaunta.exe"; Parameters: "run"; Tasks: desktopicon

[Run]
Filename: "{app}\kaunta.exe"; Parameters: "--training run"; Description: "{cm:StartTraining}"; Flags: nowait postinstall skipifsilent
