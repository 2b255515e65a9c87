# ruff: noqa: E501  (the XML samples keep one element per line, as the SII writes them)
"""parse_xml on realistic SII XML: factura, nota de crédito with Referencia, boleta."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import openfactura
from openfactura import dte

FACTURA_XML = """<?xml version="1.0" encoding="ISO-8859-1"?>
<EnvioDTE xmlns="http://www.sii.cl/SiiDte" version="1.0">
 <SetDTE ID="SetDoc">
  <Caratula version="1.0"><RutEmisor>76795561-8</RutEmisor></Caratula>
  <DTE version="1.0">
   <Documento ID="F600625T33">
    <Encabezado>
     <IdDoc><TipoDTE>33</TipoDTE><Folio>600625</Folio><FchEmis>2026-09-27</FchEmis><FmaPago>1</FmaPago></IdDoc>
     <Emisor>
      <RUTEmisor>76795561-8</RUTEmisor><RznSoc>HAULMER SPA</RznSoc>
      <GiroEmis>VENTA AL POR MENOR POR CORREO</GiroEmis><Acteco>479100</Acteco>
      <CdgSIISucur>81303347</CdgSIISucur><DirOrigen>ARTURO PRAT 527</DirOrigen><CmnaOrigen>Curicó</CmnaOrigen>
     </Emisor>
     <Receptor>
      <RUTRecep>76430498-5</RUTRecep><RznSocRecep>HOSTY SPA</RznSocRecep><GiroRecep>INFORMÁTICA</GiroRecep>
      <DirRecep>ARTURO PRAT 527</DirRecep><CmnaRecep>Curicó</CmnaRecep>
     </Receptor>
     <Totales><MntNeto>3500</MntNeto><TasaIVA>19</TasaIVA><IVA>665</IVA><MntTotal>4165</MntTotal></Totales>
    </Encabezado>
    <Detalle><NroLinDet>1</NroLinDet><NmbItem>Ñandú de peluche</NmbItem><QtyItem>1</QtyItem><PrcItem>2000</PrcItem><MontoItem>2000</MontoItem></Detalle>
    <Detalle><NroLinDet>2</NroLinDet><CdgItem><TpoCodigo>INT1</TpoCodigo><VlrCodigo>A-1</VlrCodigo></CdgItem><NmbItem>Envío</NmbItem><QtyItem>1.5</QtyItem><PrcItem>1000</PrcItem><MontoItem>1500</MontoItem></Detalle>
    <TED version="1.0"><DD><RE>76795561-8</RE><TD>33</TD><F>600625</F></DD><FRMT algoritmo="SHA1withRSA">abc=</FRMT></TED>
    <TmstFirma>2026-09-27T10:11:12</TmstFirma>
   </Documento>
   <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>
  </DTE>
 </SetDTE>
</EnvioDTE>
"""

NOTA_XML = """<?xml version="1.0" encoding="ISO-8859-1"?>
<DTE xmlns="http://www.sii.cl/SiiDte" version="1.0"><Documento ID="N1">
 <Encabezado>
  <IdDoc><TipoDTE>61</TipoDTE><Folio>77</Folio><FchEmis>2026-09-28</FchEmis></IdDoc>
  <Emisor><RUTEmisor>76795561-8</RUTEmisor><RznSoc>HAULMER SPA</RznSoc><GiroEmis>VENTAS</GiroEmis><Acteco>479100</Acteco><DirOrigen>ARTURO PRAT 527</DirOrigen><CmnaOrigen>Curicó</CmnaOrigen></Emisor>
  <Receptor><RUTRecep>76430498-5</RUTRecep><RznSocRecep>HOSTY SPA</RznSocRecep><GiroRecep>INFORMATICA</GiroRecep><DirRecep>X</DirRecep><CmnaRecep>Curicó</CmnaRecep></Receptor>
  <Totales><MntNeto>2000</MntNeto><TasaIVA>19</TasaIVA><IVA>380</IVA><MntTotal>2380</MntTotal></Totales>
 </Encabezado>
 <Detalle><NroLinDet>1</NroLinDet><NmbItem>item</NmbItem><QtyItem>1</QtyItem><PrcItem>2000</PrcItem><MontoItem>2000</MontoItem></Detalle>
 <Referencia><NroLinRef>1</NroLinRef><TpoDocRef>33</TpoDocRef><FolioRef>109</FolioRef><FchRef>2026-09-27</FchRef><CodRef>1</CodRef><RazonRef>Anula factura</RazonRef></Referencia>
</Documento></DTE>
"""

BOLETA_XML = """<?xml version="1.0" encoding="ISO-8859-1"?>
<EnvioBOLETA xmlns="http://www.sii.cl/SiiDte" version="1.0"><SetDTE ID="S">
<DTE version="1.0"><Documento ID="B1">
 <Encabezado>
  <IdDoc><TipoDTE>39</TipoDTE><Folio>5</Folio><FchEmis>2026-09-27</FchEmis><IndServicio>3</IndServicio></IdDoc>
  <Emisor><RUTEmisor>76795561-8</RUTEmisor><RznSocEmisor>HAULMER SPA</RznSocEmisor><GiroEmisor>VENTAS</GiroEmisor><CdgSIISucur>81303347</CdgSIISucur><DirOrigen>ARTURO PRAT 527</DirOrigen><CmnaOrigen>Curicó</CmnaOrigen></Emisor>
  <Receptor><RUTRecep>66666666-6</RUTRecep></Receptor>
  <Totales><MntNeto>2521</MntNeto><IVA>479</IVA><MntTotal>3000</MntTotal></Totales>
 </Encabezado>
 <Detalle><NroLinDet>1</NroLinDet><NmbItem>item</NmbItem><QtyItem>1</QtyItem><PrcItem>3000</PrcItem><MontoItem>3000</MontoItem></Detalle>
</Documento></DTE>
<DTE version="1.0"><Documento ID="B2">
 <Encabezado>
  <IdDoc><TipoDTE>41</TipoDTE><Folio>6</Folio><FchEmis>2026-09-27</FchEmis><IndServicio>3</IndServicio></IdDoc>
  <Emisor><RUTEmisor>76795561-8</RUTEmisor></Emisor>
  <Receptor><RUTRecep>66666666-6</RUTRecep></Receptor>
  <Totales><MntExe>100</MntExe><MntTotal>100</MntTotal></Totales>
 </Encabezado>
 <Detalle><NroLinDet>1</NroLinDet><IndExe>1</IndExe><NmbItem>libro</NmbItem><MontoItem>100</MontoItem></Detalle>
</Documento></DTE>
</SetDTE></EnvioBOLETA>
"""


def latin1(text: str) -> bytes:
    return text.encode("iso-8859-1")


def test_factura_inside_envio_dte() -> None:
    doc = dte.parse_xml(latin1(FACTURA_XML))
    assert isinstance(doc, dte.Factura)
    assert doc.encabezado.id_doc.folio == 600625
    assert doc.encabezado.id_doc.fch_emis == dt.date(2026, 9, 27)
    assert doc.encabezado.emisor.acteco == [479100]
    assert doc.encabezado.emisor.cmna_origen == "Curicó"
    assert doc.encabezado.receptor.giro_recep == "INFORMÁTICA"
    assert [d.nmb_item for d in doc.detalle] == ["Ñandú de peluche", "Envío"]
    assert doc.detalle[1].qty_item == Decimal("1.5")
    assert doc.detalle[1].cdg_item == [dte.CdgItem(tpo_codigo="INT1", vlr_codigo="A-1")]
    assert doc.encabezado.totales.tasa_iva == Decimal(19)
    assert doc.ted is None  # the TED is ignored
    assert doc.tmst_firma == dt.datetime(2026, 9, 27, 10, 11, 12)
    # A received document: amounts consistent, only the folio is not an emission's.
    assert [f for f, _ in doc.validate()] == ["Encabezado.IdDoc.Folio"]


def test_nota_de_credito_with_referencia() -> None:
    doc = dte.parse_xml(latin1(NOTA_XML))
    assert isinstance(doc, dte.NotaCredito)
    ref = doc.referencia[0]
    assert (ref.tpo_doc_ref, ref.folio_ref, ref.cod_ref) == ("33", "109", dte.CodRef.ANULA)
    assert ref.fch_ref == dt.date(2026, 9, 27)


def test_boletas_in_envio_boleta() -> None:
    docs = dte.parse_xml_all(latin1(BOLETA_XML))
    assert [type(d) for d in docs] == [dte.Boleta, dte.BoletaExenta]
    boleta = docs[0]
    assert isinstance(boleta, dte.Boleta)
    assert boleta.encabezado.emisor.rzn_soc_emisor == "HAULMER SPA"
    assert boleta.encabezado.id_doc.ind_servicio is dte.IndServicio.VENTAS_Y_SERVICIOS
    assert boleta.encabezado.totales.mnt_neto == 2521
    assert docs[1].detalle[0].ind_exe is dte.IndExe.EXENTO
    assert dte.parse_xml(latin1(BOLETA_XML)) == boleta


def test_utf8_and_str_input() -> None:
    text = NOTA_XML.replace("ISO-8859-1", "UTF-8")
    assert dte.parse_xml(text.encode("utf-8")) == dte.parse_xml(latin1(NOTA_XML))
    assert dte.parse_xml(NOTA_XML) == dte.parse_xml(latin1(NOTA_XML))


def test_xml_and_json_give_the_same_model() -> None:
    doc = dte.parse_xml(latin1(NOTA_XML))
    assert dte.from_wire(doc.to_wire()) == doc


@pytest.mark.parametrize(
    "bad",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><DTE>&a;</DTE>',
        b"<DTE><Documento>",
        b"<Other/>",
    ],
)
def test_refuses_dtds_garbage_and_non_dtes(bad: bytes) -> None:
    with pytest.raises(openfactura.ValidationError):
        dte.parse_xml(bad)
