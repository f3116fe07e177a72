import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { isInside } from '../common/paths';
import { WorkspaceService } from '../workspace/workspace.service';
import { FileContentDto, FileItemDto, FolderDto } from './dto/files.dto';

const MAX_READ_BYTES = 1024 * 1024;

/** Read-only access to files of MC_WORKSPACE, and never to anything outside it. */
@Injectable()
export class FilesService {
  constructor(private readonly workspace: WorkspaceService) {}

  async browse(path: string): Promise<FolderDto> {
    const { real, root, shown } = await this.locate(path);
    if (!(await stat(real)).isDirectory())
      throw new BadRequestException({ message: `${shown} is a file: read it with /api/files/read`, path: shown });
    const items: FileItemDto[] = [];
    for (const name of (await readdir(real)).sort()) {
      // A link is listed as what it points to, and only when that is inside the workspace.
      const target = await realpath(join(real, name)).catch(() => null);
      if (!target || !isInside(root, target)) continue;
      const info = await stat(target).catch(() => null);
      if (!info || (!info.isFile() && !info.isDirectory())) continue;
      items.push({
        name,
        type: info.isDirectory() ? 'directory' : 'file',
        size: info.isDirectory() ? 0 : info.size,
        modified: info.mtime.toISOString(),
      });
    }
    return { path: shown, items };
  }

  async read(path: string): Promise<FileContentDto> {
    const { real, shown } = await this.locate(path);
    const info = await stat(real);
    if (info.isDirectory())
      throw new BadRequestException({ message: `${shown} is a folder: list it with /api/files/browse`, path: shown });
    if (!info.isFile())
      throw new UnsupportedMediaTypeException({ message: `${shown} is not a regular file`, path: shown });
    if (info.size > MAX_READ_BYTES)
      throw new PayloadTooLargeException({
        message: `${shown} is ${info.size} bytes; files over 1 MiB are not sent`,
        path: shown,
        size: info.size,
      });
    const content = await readFile(real);
    if (content.subarray(0, 8192).includes(0))
      throw new UnsupportedMediaTypeException({ message: `${shown} is a binary file; only text is sent`, path: shown });
    return { path: shown, content: content.toString('utf8'), size: info.size };
  }

  /**
   * The real path of `path` inside the workspace, links followed. Absolute paths, `..`, NUL bytes and
   * links that lead outside are all the same answer: 403 Invalid path.
   */
  private async locate(path: string): Promise<{ real: string; root: string; shown: string }> {
    const invalid = () => new ForbiddenException('Invalid path');
    if (
      path.includes('\0') ||
      isAbsolute(path) ||
      /^[A-Za-z]:|^[\\/]/.test(path) ||
      path.split(/[\\/]+/).includes('..')
    )
      throw invalid();
    const root = await realpath(this.workspace.root).catch(() => {
      throw new NotFoundException({ message: 'The workspace folder does not exist', path });
    });
    const wanted = resolve(root, path);
    if (!isInside(root, wanted)) throw invalid();
    const real = await realpath(wanted).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR')
        throw new NotFoundException({ message: `No such file or folder: ${path}`, path });
      throw invalid();
    });
    if (!isInside(root, real)) throw invalid();
    return { real, root, shown: relative(root, wanted) || '.' };
  }
}
